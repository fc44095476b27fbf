/** bee-queue 2: Queue.saveAll, process(concurrency), job.reportProgress, "job succeeded" events. */
import BeeQueue from "bee-queue"
import type { BenchPayload } from "../protocol.js"
import { bulkChunk, type Consumer, payloadTime, type Producer, type WorkerHooks, type WorkerSettings } from "./System.js"

const redisOptions = (redisUrl: string) => {
  const url = new URL(redisUrl)
  return { host: url.hostname, port: Number(url.port) }
}

export const beeQueueProducer = async (redisUrl: string, name: string): Promise<Producer> => {
  const queue = new BeeQueue<BenchPayload>(name, { redis: redisOptions(redisUrl), isWorker: false, getEvents: false })
  await queue.ready()
  let events: BeeQueue<BenchPayload> | undefined
  return {
    addBulk: async (payloads) => {
      for (let i = 0; i < payloads.length; i += bulkChunk) {
        const errors = await queue.saveAll(payloads.slice(i, i + bulkChunk).map((data) => queue.createJob(data)))
        if (errors.size > 0) throw new Error(`bee-queue saveAll: ${errors.size} jobs failed`)
      }
    },
    addOne: async (payload) => {
      const job = await queue.createJob(payload).save()
      return job.id
    },
    listenCompleted: async (onCompleted) => {
      events = new BeeQueue<BenchPayload>(name, { redis: redisOptions(redisUrl), isWorker: false, getEvents: true })
      events.on("job succeeded", (jobId) => onCompleted(jobId))
      await events.ready()
    },
    close: async () => {
      await events?.close()
      await queue.close()
    }
  }
}

export const beeQueueConsumer = async (settings: WorkerSettings, hooks: WorkerHooks): Promise<Consumer> => {
  const queue = new BeeQueue<BenchPayload>(settings.queue, { redis: redisOptions(settings.redisUrl), getEvents: false })
  queue.on("succeeded", () => hooks.completed())
  await queue.ready()
  return {
    start: async () => {
      queue.process(settings.concurrency, async (job) => {
        hooks.started({ t: payloadTime(job.data) })
        for (let i = 1; i <= settings.progress; i++) await job.reportProgress(Math.round((100 * i) / (settings.progress + 1)))
      })
    },
    stop: () => queue.close()
  }
}
