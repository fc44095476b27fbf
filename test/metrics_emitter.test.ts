/**
 * The metrics emitter over an EventBus whose publishing the test holds and releases, so that a
 * slow or stopped Redis, and publish failures, can be staged deterministically.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Deferred, Effect, Exit, Fiber, Layer, Metric, Queue, Scope, Stream } from "effect"
import { TestClock } from "effect/testing"
import { EventBus } from "../src/runtime/EventBus.js"
import { BatchRateLimiter } from "../src/runtime/metrics/BatchRateLimiter.js"
import { droppedMetrics, type MetricsSettings, MetricsEmitter, metricsSettingsConfig } from "../src/runtime/MetricsEmitter.js"
import { RedisError } from "../src/redis/RedisError.js"

/** A bus that records what is published; publishing waits while the gate is closed. */
const makeHeldBus = Effect.gen(function*() {
  const published: Array<string> = []
  const calls = yield* Queue.unbounded<ReadonlyArray<string>>()
  let gate = yield* Deferred.make<void>()
  let failures = 0
  const bus = EventBus.of({
    publish: () => Effect.void,
    publishAll: (_domain, jsons) =>
      Effect.gen(function*() {
        yield* Queue.offer(calls, jsons)
        yield* Deferred.await(gate)
        if (failures > 0) {
          failures--
          return yield* new RedisError({ op: "pipeline", message: "redis pipeline failed: connection reset" })
        }
        published.push(...jsons)
      }),
    subscribeRaw: () => Stream.empty,
    subscribe: () => Stream.empty
  })
  return {
    published,
    /** Waits until the drainer has started a publish. */
    nextCall: Queue.take(calls),
    open: Effect.suspend(() => Deferred.succeed(gate, undefined)),
    close: Effect.gen(function*() {
      gate = yield* Deferred.make<void>()
    }),
    failNext: (n: number) => Effect.sync(() => {
      failures = n
    }),
    layer: Layer.succeed(EventBus, bus)
  }
})

type HeldBus = Effect.Success<typeof makeHeldBus>

/**
 * An emitter on a held bus, built in its own scope so the test can close it (end-of-life flush).
 * No linger unless a test asks for it, so each publish starts as soon as the drainer runs.
 */
const withEmitter = <A, E>(
  settings: Partial<MetricsSettings>,
  body: (emitter: MetricsEmitter["Service"], bus: HeldBus, scope: Scope.Closeable) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const bus = yield* makeHeldBus
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(MetricsEmitter.layerWith({ lingerMs: 0, ...settings }).pipe(Layer.provide(bus.layer)), scope)
    return yield* body(Context.get(context, MetricsEmitter), bus, scope)
  })

describe("BatchRateLimiter", () => {
  it("admits every N-th batch, at most one per interval", () => {
    const limiter = new BatchRateLimiter(10, 250)
    assert.isFalse(limiter.admit(9, 0))
    assert.isTrue(limiter.admit(10, 0))
    assert.isFalse(limiter.admit(20, 249))
    assert.isTrue(limiter.admit(30, 250))
    assert.isFalse(limiter.admit(31, 1000))
    assert.isTrue(limiter.admit(40, 1000))
  })

  it("every 0 disables batch events; interval 0 admits every N-th", () => {
    const off = new BatchRateLimiter(0, 0)
    assert.deepStrictEqual([1, 10, 100].map((b) => off.admit(b, b)), [false, false, false])
    const each = new BatchRateLimiter(1, 0)
    assert.deepStrictEqual([1, 2, 3].map((b) => each.admit(b, 0)), [true, true, true])
  })
})

describe("MetricsEmitter", () => {
  it.effect("batch rate limit and interval follow the Effect Clock (TestClock)", () =>
    withEmitter({ batchEvery: 10, batchMinIntervalMs: 250 }, (emitter) =>
      Effect.scoped(Effect.gen(function*() {
        const job = yield* emitter.forJob("digits", "job-1")
        assert.isTrue(job.admitBatch(10))
        assert.isFalse(job.admitBatch(20), "within 250 ms of the last")
        yield* TestClock.adjust("249 millis")
        assert.isFalse(job.admitBatch(30))
        yield* TestClock.adjust("1 millis")
        assert.isFalse(job.admitBatch(35), "not a multiple of 10")
        assert.isTrue(job.admitBatch(40))
        // A second job has its own limiter.
        const other = yield* emitter.forJob("digits", "job-2")
        assert.isTrue(other.admitBatch(10))
      }))))

  it.effect("EVENTS__ENABLED=false: emit is a no-op, no batch is admitted, nothing is published", () =>
    withEmitter({ enabled: false }, (emitter, bus) =>
      Effect.scoped(Effect.gen(function*() {
        yield* bus.open
        const job = yield* emitter.forJob("digits", "job-1")
        assert.isFalse(job.admitBatch(10))
        assert.isFalse(job.emit("{}", "milestone"))
        yield* job.emitEncoded(Effect.succeed("{\"a\":1}"), "milestone")
        assert.isTrue(yield* emitter.flush("1 second"))
        assert.strictEqual(emitter.pending(), 0)
        assert.deepStrictEqual(bus.published, [])
      }))))

  it.effect("queue full: oldest batch events are dropped and counted, milestones kept, order preserved", () =>
    withEmitter({ queueCapacity: 4 }, (emitter, bus) =>
      Effect.gen(function*() {
        const before = (yield* Metric.value(droppedMetrics)).count
        assert.isTrue(emitter.emit("digits", "job-1", "m0", "milestone"))
        yield* bus.nextCall // m0 is in flight; Redis "stalls"
        for (let i = 1; i <= 6; i++) emitter.emit("digits", "job-1", `b${i}`, "batch")
        assert.isTrue(emitter.emit("digits", "job-1", "m1", "milestone"))
        emitter.emit("digits", "job-2", "b7", "batch")
        assert.strictEqual(emitter.droppedFor("job-1"), 3, "b1, b2, b3 evicted by newer batch events")
        assert.strictEqual(emitter.droppedFor("job-2"), 0)
        assert.strictEqual((yield* Metric.value(droppedMetrics)).count - before, 3)
        yield* bus.open
        assert.isTrue(yield* emitter.flush("1 second"))
        assert.deepStrictEqual(bus.published, ["m0", "b4", "b5", "b6", "m1", "b7"])
      })))

  it.effect("a full milestone ring drops the new milestone, not the queued ones", () =>
    withEmitter({ milestoneCapacity: 2 }, (emitter, bus) =>
      Effect.gen(function*() {
        emitter.emit("trainer", "job-1", "m0", "milestone")
        yield* bus.nextCall
        assert.isTrue(emitter.emit("trainer", "job-1", "m1", "milestone"))
        assert.isTrue(emitter.emit("trainer", "job-1", "m2", "milestone"))
        assert.isFalse(emitter.emit("trainer", "job-1", "m3", "milestone"))
        assert.strictEqual(emitter.droppedFor("job-1"), 1)
        yield* bus.open
        assert.isTrue(yield* emitter.flush("1 second"))
        assert.deepStrictEqual(bus.published, ["m0", "m1", "m2"])
      })))

  it.effect("lingers so that a burst goes out as one pipeline; a flush cuts the wait short", () =>
    withEmitter({ lingerMs: 20 }, (emitter, bus) =>
      Effect.gen(function*() {
        yield* bus.open
        emitter.emit("digits", "job-1", "b1", "batch")
        emitter.emit("digits", "job-1", "b2", "batch")
        yield* Effect.yieldNow
        emitter.emit("digits", "job-1", "b3", "batch")
        yield* TestClock.adjust("19 millis")
        assert.deepStrictEqual(bus.published, [], "still lingering")
        yield* TestClock.adjust("1 millis")
        assert.deepStrictEqual(yield* bus.nextCall, ["b1", "b2", "b3"])
        emitter.emit("digits", "job-1", "m1", "milestone")
        // No clock adjustment: the flush itself ends the linger.
        assert.isTrue(yield* emitter.flush("1 second"))
        assert.deepStrictEqual(bus.published, ["b1", "b2", "b3", "m1"])
      })))

  it.effect("events emitted during a publish wait for the next linger and go out together", () =>
    withEmitter({ lingerMs: 20 }, (emitter, bus) =>
      Effect.gen(function*() {
        emitter.emit("digits", "job-1", "b1", "batch")
        yield* Effect.yieldNow
        yield* TestClock.adjust("20 millis")
        assert.deepStrictEqual(yield* bus.nextCall, ["b1"])
        emitter.emit("digits", "job-1", "b2", "batch")
        emitter.emit("digits", "job-1", "b3", "batch")
        yield* bus.open
        yield* Effect.yieldNow
        assert.deepStrictEqual(bus.published, ["b1"], "b2 and b3 are not sent one per round trip")
        yield* TestClock.adjust("20 millis")
        assert.deepStrictEqual(yield* bus.nextCall, ["b2", "b3"])
      })))

  it.effect("emit never waits: 100,000 emits against a stalled bus stay bounded", () =>
    withEmitter({ queueCapacity: 1024 }, (emitter, bus) =>
      Effect.gen(function*() {
        emitter.emit("digits", "job-1", "first", "batch")
        yield* bus.nextCall
        for (let i = 0; i < 100_000; i++) emitter.emit("digits", "job-1", `b${i}`, "batch")
        assert.strictEqual(emitter.pending(), 1024)
        assert.strictEqual(emitter.droppedFor("job-1"), 100_000 - 1024)
      })))

  it.effect("flush is bounded by its timeout while Redis stalls, and completes once it answers", () =>
    withEmitter({}, (emitter, bus) =>
      Effect.gen(function*() {
        emitter.emit("digits", "job-1", "m0", "milestone")
        yield* bus.nextCall
        emitter.emit("digits", "job-1", "m1", "milestone")
        const stalled = yield* Effect.forkChild(emitter.flush("2 seconds"), { startImmediately: true })
        yield* TestClock.adjust("2 seconds")
        assert.isFalse(yield* Fiber.join(stalled))
        assert.deepStrictEqual(bus.published, [])
        yield* bus.open
        assert.isTrue(yield* emitter.flush("2 seconds"))
        assert.deepStrictEqual(bus.published, ["m0", "m1"])
      })))

  it.effect("closing the emitter flushes what is queued", () =>
    withEmitter({}, (emitter, bus, scope) =>
      Effect.gen(function*() {
        emitter.emit("digits", "job-1", "m0", "milestone")
        yield* bus.nextCall
        emitter.emit("digits", "job-1", "b1", "batch")
        emitter.emit("digits", "job-1", "m1", "milestone")
        yield* bus.open
        yield* Scope.close(scope, Exit.void)
        assert.deepStrictEqual(bus.published, ["m0", "b1", "m1"])
      })))

  it.effect("a failed publish counts its events as dropped; later events still go out", () =>
    withEmitter({}, (emitter, bus) =>
      Effect.gen(function*() {
        yield* bus.failNext(1)
        emitter.emit("digits", "job-1", "lost", "milestone")
        yield* bus.nextCall
        yield* bus.open
        assert.isTrue(yield* emitter.flush("1 second"))
        assert.strictEqual(emitter.droppedFor("job-1"), 1)
        emitter.emit("digits", "job-1", "kept", "milestone")
        assert.isTrue(yield* emitter.flush("1 second"))
        assert.deepStrictEqual(bus.published, ["kept"])
      })))

  it.effect("an event that fails to encode is skipped and counted, never failing the caller", () =>
    withEmitter({}, (emitter, bus) =>
      Effect.scoped(Effect.gen(function*() {
        yield* bus.open
        const job = yield* emitter.forJob("digits", "job-9")
        yield* job.emitEncoded(Effect.fail({ message: "Expected a finite number at [\"batch_loss\"]" }), "batch")
        assert.strictEqual(job.dropped(), 1)
      }))))

  it.effect("a job's dropped count is forgotten when its scope closes", () =>
    withEmitter({ milestoneCapacity: 1 }, (emitter, bus) =>
      Effect.gen(function*() {
        emitter.emit("digits", "other", "m0", "milestone")
        yield* bus.nextCall
        emitter.emit("digits", "other", "m1", "milestone")
        yield* Effect.scoped(Effect.gen(function*() {
          const job = yield* emitter.forJob("digits", "job-1")
          assert.isFalse(job.emit("x", "milestone"))
          assert.strictEqual(job.dropped(), 1)
        }))
        assert.strictEqual(emitter.droppedFor("job-1"), 0)
      })))
})

const readSettings = (env: Record<string, string>) =>
  Effect.gen(function*() {
    return yield* metricsSettingsConfig
  }).pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))), Effect.result)

describe("metrics settings", () => {
  const read = readSettings

  it.effect("defaults", () =>
    Effect.gen(function*() {
      const result = yield* read({})
      assert.strictEqual(result._tag, "Success")
      if (result._tag === "Success") {
        assert.deepInclude(result.success, { enabled: true, batchEvery: 10, batchMinIntervalMs: 250 })
      }
      const off = yield* read({ EVENTS__ENABLED: "false", EVENTS__BATCH_EVERY: "0" })
      if (off._tag === "Success") assert.deepInclude(off.success, { enabled: false, batchEvery: 0 })
      else assert.fail(off.failure.message)
    }))

  const bad = [
    { env: { EVENTS__BATCH_EVERY: "-1" }, error: /EVENTS__BATCH_EVERY must be a whole number >= 0/ },
    { env: { EVENTS__BATCH_EVERY: "ten" }, error: /Expected a string representing a finite number[\s\S]*EVENTS__BATCH_EVERY/ },
    { env: { EVENTS__BATCH_MIN_INTERVAL_MS: "-5" }, error: /EVENTS__BATCH_MIN_INTERVAL_MS must be a whole number >= 0/ },
    { env: { EVENTS__ENABLED: "maybe" }, error: /"true" \| "yes"[\s\S]*EVENTS__ENABLED/ },
    { env: { EVENTS__QUEUE_CAPACITY: "0" }, error: /EVENTS__QUEUE_CAPACITY must be a whole number > 0/ },
    { env: { EVENTS__LINGER_MS: "soon" }, error: /Expected a string representing a finite number[\s\S]*EVENTS__LINGER_MS/ }
  ]
  for (const c of bad) {
    it.effect(`rejects ${JSON.stringify(c.env)}`, () =>
      Effect.gen(function*() {
        const result = yield* read(c.env)
        assert.strictEqual(result._tag, "Failure")
        if (result._tag === "Failure") assert.match(String(result.failure), c.error)
      }))
  }
})
