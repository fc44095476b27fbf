/** BullMQ 6: Queue.addBulk, Worker with concurrency, job.updateProgress, QueueEvents for completions. */
import { Queue, QueueEvents, Worker } from "bullmq"
import type { BenchPayload } from "../protocol.js"
import { bulkChunk, type Consumer, payloadTime, type Producer, type WorkerHooks, type WorkerSettings } from "./System.js"

const connection = (redisUrl: string) => {
  const url = new URL(redisUrl)
  // Workers require maxRetriesPerRequest null (BullMQ refuses to block otherwise).
  return { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null }
}

export const bullmqProducer = async (redisUrl: string, name: string): Promise<Producer> => {
  const queue = new Queue<BenchPayload>(name, { connection: connection(redisUrl) })
  await queue.waitUntilReady()
  let events: QueueEvents | undefined
  return {
    addBulk: async (payloads) => {
      for (let i = 0; i < payloads.length; i += bulkChunk) {
        await queue.addBulk(payloads.slice(i, i + bulkChunk).map((data) => ({ name: "noop", data })))
      }
    },
    addOne: async (payload) => {
      const job = await queue.add("noop", payload)
      return job.id ?? ""
    },
    listenCompleted: async (onCompleted) => {
      events = new QueueEvents(name, { connection: connection(redisUrl) })
      events.on("completed", ({ jobId }) => onCompleted(jobId))
      await events.waitUntilReady()
    },
    close: async () => {
      await events?.close()
      await queue.close()
    }
  }
}

export const bullmqConsumer = async (settings: WorkerSettings, hooks: WorkerHooks): Promise<Consumer> => {
  const worker = new Worker(settings.queue, async (job) => {
    hooks.started({ t: payloadTime(job.data) })
    for (let i = 1; i <= settings.progress; i++) await job.updateProgress(Math.round((100 * i) / (settings.progress + 1)))
  }, { connection: connection(settings.redisUrl), concurrency: settings.concurrency, autorun: false })
  worker.on("completed", () => hooks.completed())
  await worker.waitUntilReady()
  return {
    start: async () => {
      void worker.run()
    },
    stop: () => worker.close()
  }
}
