/**
 * The worker's own cost per job, without Redis: the real Worker, JobQueue and JobContext over
 * a stand-in RedisClient that answers every script at once (claims hand out jobs until N,
 * fenced writes succeed). What it measures is the JavaScript and Effect work per job, the
 * part of worker CPU that the side-by-side run cannot separate from the network.
 * Run: npx tsx bench/queue/hotPath.ts   (HOT_N jobs, HOT_C concurrency, HOT_P progress updates, HOT_L lanes;
 * HOT_T=0 runs without telemetry (the CLI worker's default), else with the durable log on the final change)
 */
import { Deferred, Effect, Layer, Metric, Queue } from "effect"
import { defineJob } from "../../src/runtime/JobDefinition.js"
import { JobContext } from "../../src/runtime/JobContext.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../../src/runtime/RuntimeLayer.js"
import { startWorker } from "../../src/runtime/Worker.js"
import { WorkerTelemetry } from "../../src/runtime/worker/telemetry.js"
import { jobMetrics } from "../../src/runtime/WorkerMetrics.js"
import type { RedisReply } from "../../src/redis/RedisReply.js"
import { Schema } from "effect"

const jobs = Number(process.env["HOT_N"] ?? 50_000)
const concurrency = Number(process.env["HOT_C"] ?? 16)
const progress = Number(process.env["HOT_P"] ?? 2)

/** Replies arrive on a later turn of the event loop, as a socket's would. */
const later = <A>(value: A) => Effect.promise(() => new Promise<A>((resolve) => setImmediate(() => resolve(value))))

const standIn = Layer.sync(RedisClient, () => {
  let issued = 0
  const claim = (max: number): ReadonlyArray<RedisReply> => {
    const flat: Array<RedisReply> = []
    for (let i = 0; i < max && issued < jobs; i++, issued++) {
      flat.push(`job-${issued}`, `w/${issued}`, 1, 1, `{"t":0}`, 3, 1000, "system", "", `corr-${issued}`, "")
    }
    return [flat, []]
  }
  const idle = Effect.sleep("10 millis").pipe(Effect.as<RedisReply>(null))
  return RedisClient.of({
    describe: "stand-in",
    send: (command) => command === "TIME" ? Effect.succeed(["0", "0"]) : later<RedisReply>(1),
    pipeline: (commands) => later<ReadonlyArray<RedisReply>>(commands.map(() => [])),
    eval: (script, _keys, args) => {
      switch (script.name) {
        case "apply": {
          // Header of 7, the claim count, its (worker, max) pairs, then the changes as one JSON array.
          const claims = Number(args[7])
          const claimed: Array<RedisReply> = []
          for (let c = 0; c < claims; c++) claimed.push(claim(Number(args[9 + c * 2])))
          const changes: unknown = JSON.parse(args[8 + claims * 2] ?? "[]")
          return later<RedisReply>(["1".repeat(Array.isArray(changes) ? changes.length : 0), claimed])
        }
        case "extend":
        case "recover":
          return later<RedisReply>([[], [], []])
        default:
          return later<RedisReply>(1)
      }
    },
    subscribe: () => Queue.unbounded<{ channel: string; message: string }>(),
    reserve: Effect.succeed({ send: () => idle })
  })
})

const job = defineJob({
  domain: "qr",
  payload: Schema.Struct({ t: Schema.Number }),
  run: () =>
    Effect.gen(function*() {
      const ctx = yield* JobContext
      for (let i = 1; i <= progress; i++) yield* ctx.publishProgress((100 * i) / (progress + 1))
      return { resultId: "", resultBytes: 0 }
    })
})

// The worker labels its metrics with the domain.
const completed = Metric.withAttributes(jobMetrics.completed, { domain: "qr" })

const program = Effect.gen(function*() {
  const done = yield* Deferred.make<void>()
  const cpu = process.cpuUsage()
  const start = performance.now()
  yield* startWorker(job, { concurrency, idleWaitMs: 10, ...(process.env["HOT_L"] ? { lanes: Number(process.env["HOT_L"]) } : {}) })
  yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
    if ((yield* Metric.value(completed)).count >= jobs) yield* Deferred.succeed(done, undefined)
    yield* Effect.sleep("5 millis")
  })))
  yield* Deferred.await(done)
  const used = process.cpuUsage(cpu)
  const seconds = (performance.now() - start) / 1000
  global.gc?.()
  const memory = process.memoryUsage()
  console.log(`${jobs} jobs, C=${concurrency}, P=${progress}, telemetry ${process.env["HOT_T"] === "0" ? "off" : "durable"}: ${((used.user + used.system) / jobs).toFixed(1)} µs CPU per job, ${(jobs / seconds).toFixed(0)} jobs/s, heap ${(memory.heapUsed / 2 ** 20).toFixed(0)} MB, RSS ${(memory.rss / 2 ** 20).toFixed(0)} MB`)
}).pipe(
  Effect.scoped,
  Effect.provide(process.env["HOT_T"] === "0" ? Layer.empty : WorkerTelemetry.layerDurable),
  Effect.provide(runtimeLayer(standIn, RuntimeConfig.layerWith({})))
)

Effect.runPromise(program).then(() => process.exit(0), (error: unknown) => {
  console.error(error)
  process.exit(1)
})
