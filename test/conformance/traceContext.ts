/**
 * Trace context through a job on one Redis layer: an enqueue inside a span stores that span's W3C
 * traceparent in the job record, the claim hands it to the worker, and each attempt's span is a
 * child of it (one trace from producer to worker). Spans are caught by an in-memory tracer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema, type Scope, Tracer } from "effect"
import { jobKey } from "../../src/contracts/Keys.js"
import { JobContext } from "../../src/runtime/JobContext.js"
import { defineJob } from "../../src/runtime/JobDefinition.js"
import { JobSystemError } from "../../src/runtime/JobErrors.js"
import { Producer } from "../../src/runtime/Producer.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../../src/runtime/RuntimeLayer.js"
import { startWorker } from "../../src/runtime/Worker.js"

const traceJob = defineJob({
  domain: "tracectx",
  payload: Schema.Struct({ failFirst: Schema.Boolean }),
  run: Effect.fnUntraced(function*({ failFirst }) {
    const ctx = yield* JobContext
    if (failFirst && ctx.info.attempt === 1) return yield* new JobSystemError({ message: "flaky once" })
    return { resultId: "ok", resultBytes: 2 }
  })
})

/** A tracer that keeps every span it makes. */
const recordingTracer = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

const endedAttempts = (spans: ReadonlyArray<Tracer.NativeSpan>, count: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200; i++) {
      const attempts = spans.filter((s) => s.name === "job.attempt" && s.status._tag === "Ended")
      if (attempts.length >= count) return attempts
      yield* Effect.sleep("20 millis")
    }
    return yield* Effect.die(`fewer than ${count} ended attempt spans`)
  })

const parentOf = (span: Tracer.Span) => Option.getOrUndefined(span.parent)

export const traceContextSuite = (name: string, redis: Layer.Layer<RedisClient>) =>
  describe(`trace context on ${name}`, () => {
    const runtime = runtimeLayer(redis, RuntimeConfig.layerWith({ leaseMs: 2_000, defaultBackoffMs: 10 }))
    const layer = Producer.layerWithJobs([traceJob]).pipe(Layer.provideMerge(runtime))
    const run = <A, E>(tracer: Tracer.Tracer, effect: Effect.Effect<A, E, RuntimeServices | Producer | Scope.Scope>) =>
      Effect.gen(function*() {
        yield* (yield* RedisClient).send("FLUSHALL")
        return yield* effect
      }).pipe(Effect.scoped, Effect.provide(layer), Effect.withTracer(tracer))

    it.live("stores the producer span's traceparent and runs the attempt as its child, with the job's attributes", () => {
      const { spans, tracer } = recordingTracer()
      return run(tracer, Effect.gen(function*() {
        const producer = yield* Producer
        const redisClient = yield* RedisClient
        const { jobId, parent } = yield* Effect.gen(function*() {
          const span = yield* Effect.currentSpan
          const added = yield* producer.enqueue(traceJob, { failFirst: false }, { userId: 9007199254740993n })
          return { jobId: added.jobId, parent: span }
        }).pipe(Effect.withSpan("checkout"))
        const stored = yield* redisClient.send("HGET", jobKey("tracectx", jobId), "traceparent")
        assert.strictEqual(stored, `00-${parent.traceId}-${parent.spanId}-01`)
        yield* startWorker(traceJob, { concurrency: 2 })
        yield* producer.awaitOutcome(traceJob, jobId, { timeout: "10 seconds" })
        const [attempt] = yield* endedAttempts(spans, 1)
        assert.isDefined(attempt)
        if (attempt === undefined) return
        assert.strictEqual(attempt.traceId, parent.traceId)
        assert.strictEqual(parentOf(attempt)?.spanId, parent.spanId)
        assert.strictEqual(attempt.kind, "consumer")
        assert.strictEqual(attempt.attributes.get("job.domain"), "tracectx")
        assert.strictEqual(attempt.attributes.get("job.id"), jobId)
        assert.strictEqual(attempt.attributes.get("job.attempt"), 1)
        assert.strictEqual(attempt.attributes.get("job.user_id"), "9007199254740993")
        assert.match(String(attempt.attributes.get("job.execution_id")), /\/1$/)
        assert.strictEqual(attempt.attributes.get("job.outcome"), "completed")
      }))
    }, 30_000)

    it.live("a retried job gives two attempt spans in the producer's trace; the failed one ends in error", () => {
      const { spans, tracer } = recordingTracer()
      return run(tracer, Effect.gen(function*() {
        const producer = yield* Producer
        const { jobId, parent } = yield* Effect.gen(function*() {
          const span = yield* Effect.currentSpan
          const added = yield* producer.enqueue(traceJob, { failFirst: true }, { userId: 1n, maxAttempts: 3 })
          return { jobId: added.jobId, parent: span }
        }).pipe(Effect.withSpan("checkout"))
        yield* startWorker(traceJob, { concurrency: 1 })
        const outcome = yield* producer.awaitOutcome(traceJob, jobId, { timeout: "10 seconds" })
        assert.strictEqual(outcome._tag, "Completed")
        const attempts = yield* endedAttempts(spans, 2)
        assert.deepStrictEqual(attempts.map((s) => [s.traceId, parentOf(s)?.spanId, s.attributes.get("job.attempt"), s.attributes.get("job.outcome")]), [
          [parent.traceId, parent.spanId, 1, "retry"],
          [parent.traceId, parent.spanId, 2, "completed"]
        ])
        const [first, second] = attempts
        assert.isTrue(first?.status._tag === "Ended" && first.status.exit._tag === "Failure")
        assert.isTrue(second?.status._tag === "Ended" && second.status.exit._tag === "Success")
      }))
    }, 30_000)

    it.live("without a span the record has no traceparent and the attempt is a root span; an explicit one is kept", () => {
      const { spans, tracer } = recordingTracer()
      return run(tracer, Effect.gen(function*() {
        const producer = yield* Producer
        const redisClient = yield* RedisClient
        const plain = yield* producer.enqueue(traceJob, { failFirst: false }, { userId: 2n })
        assert.strictEqual(yield* redisClient.send("HEXISTS", jobKey("tracectx", plain.jobId), "traceparent"), 0)
        const given = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        const explicit = yield* producer.enqueue(traceJob, { failFirst: false }, { userId: 3n, traceparent: given })
        assert.strictEqual(yield* redisClient.send("HGET", jobKey("tracectx", explicit.jobId), "traceparent"), given)
        const refused = yield* Effect.flip(producer.enqueue(traceJob, { failFirst: false }, { userId: 3n, traceparent: "00-zz-00-01" }))
        assert.match(refused.message, /traceparent/)
        yield* startWorker(traceJob, { concurrency: 2 })
        yield* producer.awaitOutcome(traceJob, explicit.jobId, { timeout: "10 seconds" })
        yield* producer.awaitOutcome(traceJob, plain.jobId, { timeout: "10 seconds" })
        const attempts = yield* endedAttempts(spans, 2)
        const byJob = new Map(attempts.map((s) => [s.attributes.get("job.id"), s]))
        assert.isUndefined(parentOf(byJob.get(plain.jobId) ?? attempts[0]!))
        const child = byJob.get(explicit.jobId)
        assert.strictEqual(child?.traceId, "4bf92f3577b34da6a3ce929d0e0e4736")
        assert.strictEqual(child && parentOf(child)?.spanId, "00f067aa0ba902b7")
      }))
    }, 30_000)
  })
