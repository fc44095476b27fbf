/**
 * This runtime with its full guarantees: leases, the status hash, lifecycle events on the
 * channel and the log stream. Bulk enqueue is JobQueue.enqueueBulk; completions are read
 * from the worker's own jobs_completed_total counter (no extra Redis traffic).
 */
import { Deferred, Effect, Fiber, Layer, ManagedRuntime, Metric, Redacted, Schema, Stream } from "effect"
import { EventBus } from "../../../src/runtime/EventBus.js"
import { defineJob } from "../../../src/runtime/JobDefinition.js"
import { JobContext } from "../../../src/runtime/JobContext.js"
import { JobQueue } from "../../../src/runtime/JobQueue.js"
import { RedisClient } from "../../../src/redis/RedisClient.js"
import { RuntimeConfig } from "../../../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../../../src/runtime/RuntimeLayer.js"
import { startWorker } from "../../../src/runtime/Worker.js"
import { jobMetrics } from "../../../src/runtime/WorkerMetrics.js"
import { bulkChunk, type Consumer, type Producer, type WorkerHooks, type WorkerSettings } from "./System.js"

/** Job domains are a fixed set; the benchmark borrows "qr" (its Redis is flushed before every run). */
const domain = "qr"

const layerFor = (redisUrl: string) =>
  runtimeLayer(RedisClient.layerIORedis(Redacted.make(redisUrl)), RuntimeConfig.layerWith({}))

export const oursProducer = async (redisUrl: string): Promise<Producer> => {
  const runtime = ManagedRuntime.make(layerFor(redisUrl))
  await runtime.runPromise(Effect.void)
  let listener: Fiber.Fiber<void, unknown> | undefined
  return {
    addBulk: async (payloads) => {
      for (let i = 0; i < payloads.length; i += bulkChunk) {
        const chunk = payloads.slice(i, i + bulkChunk).map((payload) => ({ userId: 1n, payload }))
        await runtime.runPromise(Effect.gen(function*() {
          yield* (yield* JobQueue).enqueueBulk(domain, chunk)
        }))
      }
    },
    addOne: async (payload) => {
      const enqueued = await runtime.runPromise(JobQueue.use((queue) => queue.enqueue({ domain, userId: 1n, payload })))
      return enqueued.jobId
    },
    listenCompleted: async (onCompleted) => {
      listener = runtime.runFork(Effect.gen(function*() {
        const bus = yield* EventBus
        yield* bus.subscribe(domain).pipe(
          Stream.runForEach((event) =>
            Effect.sync(() => {
              const e = event.message.event
              if (e.type.endsWith(".job.completed.v1") && "job_id" in e) onCompleted(e.job_id)
            })
          )
        )
      }))
    },
    close: async () => {
      if (listener !== undefined) await runtime.runPromise(Fiber.interrupt(listener))
      await runtime.dispose()
    }
  }
}

const BenchPayloadSchema = Schema.Struct({ t: Schema.Number })

export const oursConsumer = async (settings: WorkerSettings, hooks: WorkerHooks): Promise<Consumer> => {
  const job = defineJob({
    domain,
    payload: BenchPayloadSchema,
    // Effect.fn style: one generator function for every job (see "Writing a job" in the README).
    run: Effect.fnUntraced(function*(payload) {
      hooks.started(payload)
      if (settings.progress > 0) {
        const ctx = yield* JobContext
        for (let i = 1; i <= settings.progress; i++) yield* ctx.publishProgress((100 * i) / (settings.progress + 1))
      }
      return { resultId: "", resultBytes: 0 }
    })
  })
  const go = Deferred.makeUnsafe<void>()
  const stop = Deferred.makeUnsafe<void>()
  const ready = Deferred.makeUnsafe<void>()
  const program = Effect.gen(function*() {
    yield* Deferred.succeed(ready, undefined)
    yield* Deferred.await(go)
    yield* startWorker(job, { concurrency: settings.concurrency, idleWaitMs: 1_000, ...(process.env["BENCH_LANES"] ? { lanes: Number(process.env["BENCH_LANES"]) } : {}) })
    yield* Deferred.await(stop)
  }).pipe(Effect.scoped, Effect.provide(layerFor(settings.redisUrl).pipe(Layer.orDie)))
  const done = Effect.runPromise(program)
  // Completions are read from the worker's own jobs_completed_total counter (labelled with the
  // domain) on the harness's report tick: no Redis traffic and no timer of its own.
  const completed = Metric.withAttributes(jobMetrics.completed, { domain })
  let seen = 0
  await Promise.race([Effect.runPromise(Deferred.await(ready)), done])
  return {
    start: async () => {
      Effect.runSync(Deferred.succeed(go, undefined))
    },
    stop: async () => {
      Effect.runSync(Deferred.succeed(stop, undefined))
      await done
    },
    poll: () => {
      const count = Effect.runSync(Metric.value(completed)).count
      for (; seen < count; seen++) hooks.completed()
    }
  }
}
