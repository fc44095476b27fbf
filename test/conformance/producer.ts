/**
 * The producer API on one Redis layer: typed enqueue checked before writing, bulk, awaited
 * outcomes (completed, failed, already ended, timeout, unknown id), status, cancel and retry,
 * for a domain the repository does not ship.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema, type Scope } from "effect"
import { JobContext } from "../../src/runtime/JobContext.js"
import { defineJob } from "../../src/runtime/JobDefinition.js"
import { JobUserError } from "../../src/runtime/JobErrors.js"
import { JobQueue } from "../../src/runtime/JobQueue.js"
import { Producer } from "../../src/runtime/Producer.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../../src/runtime/RuntimeLayer.js"
import { startWorker } from "../../src/runtime/Worker.js"

const shoutJob = defineJob({
  domain: "shout",
  payload: Schema.Struct({ text: Schema.String, delayMs: Schema.optionalKey(Schema.Int) }),
  run: Effect.fnUntraced(function*({ text, delayMs }) {
    const ctx = yield* JobContext
    if (text === "") return yield* new JobUserError({ message: "text is empty", code: "EMPTY" })
    if (delayMs !== undefined) yield* Effect.sleep(delayMs)
    yield* ctx.publishProgress(50, "shouting")
    return { resultId: text.toUpperCase(), resultBytes: text.length }
  })
})

export const producerSuite = (name: string, redis: Layer.Layer<RedisClient>) =>
  describe(`producer on ${name}`, () => {
    const runtime = runtimeLayer(redis, RuntimeConfig.layerWith({ leaseMs: 2_000, defaultBackoffMs: 20 }))
    const layer = Producer.layerWithJobs([shoutJob]).pipe(Layer.provideMerge(runtime))
    const run = <A, E>(effect: Effect.Effect<A, E, RuntimeServices | Producer | Scope.Scope>) =>
      Effect.gen(function*() {
        yield* (yield* RedisClient).send("FLUSHALL")
        return yield* effect
      }).pipe(Effect.scoped, Effect.provide(layer))

    it.live("enqueues a typed payload, runs it in an open domain and awaits the completion", () =>
      run(Effect.gen(function*() {
        const producer = yield* Producer
        yield* startWorker(shoutJob, { concurrency: 2 })
        const { jobId } = yield* producer.enqueue(shoutJob, { text: "hello" }, { userId: 7n })
        const outcome = yield* producer.awaitOutcome(shoutJob, jobId, { timeout: "10 seconds" })
        assert.deepStrictEqual(outcome, { _tag: "Completed", jobId, resultId: "HELLO", resultBytes: 5 })
        const record = yield* producer.status("shout", jobId)
        assert.strictEqual(record.status.status, "completed")
        assert.strictEqual(record.status.user_id, 7n)
      })), 30_000)

    it.live("awaits a failure with its kind, message and code, and an outcome that came before the wait", () =>
      run(Effect.gen(function*() {
        const producer = yield* Producer
        yield* startWorker(shoutJob, { concurrency: 1 })
        const { jobId } = yield* producer.enqueue(shoutJob, { text: "" }, { userId: 1n })
        const failed = yield* producer.awaitOutcome(shoutJob, jobId, { timeout: "10 seconds" })
        assert.deepStrictEqual(failed, { _tag: "Failed", jobId, errorKind: "user", message: "text is empty", errorCode: "EMPTY" })
        // Already ended: answered from the record at once.
        assert.deepStrictEqual(yield* producer.awaitOutcome("shout", jobId, { timeout: "1 second" }), failed)
      })), 30_000)

    it.live("many waiters on one domain share one tail and each gets its own job's outcome", () =>
      run(Effect.gen(function*() {
        const producer = yield* Producer
        const enqueued = yield* producer.enqueueBulk(shoutJob, Array.from({ length: 30 }, (_, i) => ({
          userId: BigInt(i), payload: { text: `job${i}`, delayMs: 5 }
        })))
        // Waiters first, then the worker: every outcome arrives through the log tail.
        const waits = yield* Effect.forEach(enqueued, ({ jobId }) =>
          Effect.forkChild(producer.awaitOutcome(shoutJob, jobId, { timeout: "20 seconds" })))
        yield* startWorker(shoutJob, { concurrency: 8 })
        const outcomes = yield* Effect.forEach(waits, Fiber.join)
        outcomes.forEach((outcome, i) => {
          assert.strictEqual(outcome._tag, "Completed")
          if (outcome._tag === "Completed") assert.strictEqual(outcome.resultId, `JOB${i}`)
        })
      })), 60_000)

    it.live("refuses a payload that breaks the schema before anything is written, naming the field", () =>
      run(Effect.gen(function*() {
        const producer = yield* Producer
        const queue = yield* JobQueue
        const wrongType = yield* Effect.flip(producer.enqueueJson("shout", { text: 42 }, { userId: 1n }))
        assert.strictEqual(wrongType._tag, "ContractError")
        assert.match(wrongType.message, /\["text"\]/)
        const extra = yield* Effect.flip(producer.enqueueJson("shout", { text: "a", bogus: 1 }, { userId: 1n }))
        assert.match(extra.message, /bogus/)
        const badDomain = yield* Effect.flip(producer.enqueueJson("Shout!", { text: "a" }, { userId: 1n }))
        assert.match(badDomain.message, /is not a domain name/)
        // A bulk with one bad payload writes none.
        const bulk = yield* Effect.flip(producer.enqueueBulk(shoutJob, [
          { userId: 1n, payload: { text: "fine" } },
          // Types cannot say "integer": the schema's check refuses it at the call.
          { userId: 1n, payload: { text: "x", delayMs: 1.5 } }
        ]))
        assert.strictEqual(bulk._tag, "ContractError")
        assert.deepStrictEqual(yield* queue.counts("shout"), { waiting: 0, active: 0, delayed: 0, dead: 0, invalid: 0 })
      })), 30_000)

    it.live("times out, reports an unknown id, cancels a queued job and retries it", () =>
      run(Effect.gen(function*() {
        const producer = yield* Producer
        const { jobId } = yield* producer.enqueue(shoutJob, { text: "later" }, { userId: 3n, delayMs: 60_000 })
        const timedOut = yield* Effect.flip(producer.awaitOutcome(shoutJob, jobId, { timeout: "200 millis" }))
        assert.strictEqual(timedOut._tag, "OutcomeTimeout")
        const missing = yield* Effect.flip(producer.awaitOutcome(shoutJob, "no-such-job", { timeout: "1 second" }))
        assert.strictEqual(missing._tag, "JobNotFound")
        const waiting = yield* Effect.forkChild(producer.awaitOutcome(shoutJob, jobId, { timeout: "10 seconds" }))
        assert.strictEqual((yield* producer.cancel(shoutJob, jobId)).outcome, "cancelled")
        const cancelled = yield* Fiber.join(waiting)
        assert.strictEqual(cancelled._tag, "Failed")
        yield* producer.retry(shoutJob, jobId)
        yield* startWorker(shoutJob, { concurrency: 1 })
        const rerun = yield* producer.awaitOutcome(shoutJob, jobId, { timeout: "10 seconds" })
        assert.deepStrictEqual(rerun, { _tag: "Completed", jobId, resultId: "LATER", resultBytes: 5 })
      })), 30_000)
  })
