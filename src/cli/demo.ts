/**
 * The self-contained demo: a qr worker on the embedded runtime, a handful of jobs (one of
 * them bad on purpose), every event printed live as it arrives; then a job created, started and read
 * back through the JobService on PostgreSQL (./demoServices.ts); then a clean exit.
 */
import { Console, Effect, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { findJob } from "../domains/registry.js"
import { EventBus } from "../runtime/EventBus.js"
import { JobQueue } from "../runtime/JobQueue.js"
import { RedisClient } from "../redis/RedisClient.js"
import { demoServices } from "./demoServices.js"

const payloads = [
  { text: "https://effect.website", format: "svg" },
  { text: "Hello from the job runtime", size: 320 },
  { text: "" },
  { text: "Lease, fence, retry: nothing gets lost", format: "png" }
] as const

export const demoCommand = Command.make("demo", {
  concurrency: Flag.Int("concurrency").pipe(Flag.withDescription("Jobs the demo worker runs at once (default: 2)"), Flag.withDefault(2))
}, ({ concurrency }) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const queue = yield* JobQueue
    const bus = yield* EventBus
    yield* Console.log(`demo: qr worker on ${redis.describe} Redis, ${payloads.length} jobs, concurrency ${concurrency}`)
    yield* (yield* findJob("qr")).startWorker({ concurrency, graceMs: 1_000 })
    const start = yield* redis.send("XREVRANGE", "qr:events:log", "+", "-", "COUNT", "1")
    const from = Array.isArray(start) && Array.isArray(start[0]) && typeof start[0][0] === "string" ? start[0][0] : "0"
    const enqueued = yield* queue.enqueueBulk("qr", payloads.map((payload) => ({ userId: 42n, payload })))
    const ids = new Set(enqueued.map((e) => e.jobId))
    let finished = 0
    yield* bus.subscribe("qr", { from }).pipe(
      Stream.filter((e) => e.message._tag === "Lifecycle" && ids.has(e.message.event.job_id)),
      Stream.tap((e) => Console.log(e.json)),
      Stream.takeUntil((e) => {
        const type = e.message.event.type
        if (type.endsWith(".completed.v1") || type.endsWith(".failed.v1")) finished++
        return finished === ids.size
      }),
      Stream.runDrain
    )
    yield* Console.log(`demo: ${ids.size} jobs finished`)
    yield* demoServices
  }).pipe(Effect.scoped)).pipe(Command.withDescription("Run a qr worker and a few jobs, printing their events live"))
