/**
 * BusConsumer on a real redis-server: a consumer group over a bus's durable log delivers every event at
 * least once, acknowledges after the handler succeeded, retries a failed handler's entry after it idled,
 * acknowledges and skips malformed entries, runs an event the publisher sent twice once, and a consumer
 * restarted in the same group resumes at the group's position.
 */
import { assert, layer } from "@effect/vitest"
import { Deferred, Duration, Effect, Layer, Ref, Schedule } from "effect"
import { RedisClient } from "../src/redis/RedisClient.js"
import { replyArray, replyNumber } from "../src/redis/RedisReply.js"
import { LoopSupervision } from "../src/runtime/Supervised.js"
import { type JobBusEvent, JobBusEvents } from "../src/services/jobs/events.js"
import * as BusConsumer from "../src/services/outbox/BusConsumer.js"
import { RedisServer, redisClientOnServer } from "./support/RedisServer.js"

const quickRestarts = { backoffBaseMs: 20, backoffCapMs: 200, healthyAfterMs: 1_000, unreadyAfterFailures: 3, unreadyAfterMs: 5_000 }

let streams = 0
/** A fresh channel per test (its log is `{channel}:log`). */
const freshChannel = () => `test${++streams}:bus`

const statusChanged = (eventId: string = crypto.randomUUID()): JobBusEvent => ({
  type: "job.status_changed.v1",
  event_id: eventId,
  occurred_at: "2026-12-07T07:39:33.731Z",
  job_id: crypto.randomUUID(),
  user_id: 9_007_199_254_740_993n,
  domain: "qr",
  from: "pending",
  to: "running"
})

const xadd = (channel: string, ...fields: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    yield* redis.send("XADD", `${channel}:log`, "*", ...fields)
  })

const publish = (channel: string, event: JobBusEvent) =>
  JobBusEvents.encode(event).pipe(Effect.orDie, Effect.flatMap((json) => xadd(channel, "event", json, "event_id", event.event_id)))

const pendingCount = (channel: string, group: string) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const reply = replyArray(yield* redis.send("XPENDING", `${channel}:log`, group)) ?? []
    return replyNumber(reply[0] ?? null) ?? -1
  })

const eventually = <A, E, R>(check: Effect.Effect<A, E, R>) =>
  check.pipe(Effect.retry(Schedule.spaced(Duration.millis(25)).pipe(Schedule.upTo({ duration: Duration.seconds(10) }))))

const expectEqual = <A, E, R>(read: Effect.Effect<A, E, R>, expected: A) =>
  eventually(read.pipe(Effect.flatMap((value) => JSON.stringify(value) === JSON.stringify(expected) ? Effect.void : Effect.fail(`got ${JSON.stringify(value)}`))))

/** Runs a consumer collecting handled event ids (or failing as `fail` says) for the scope. */
const consume = (channel: string, group: string, seen: Ref.Ref<ReadonlyArray<string>>, fail: (event: JobBusEvent) => Effect.Effect<boolean> = () => Effect.succeed(false)) =>
  BusConsumer.run({
    channel,
    group,
    consumer: `${group}-1`,
    decode: JobBusEvents.decode,
    blockMs: 100,
    reclaimIdleMs: 300,
    handle: (event) =>
      fail(event).pipe(Effect.flatMap((failing) =>
        failing ? Effect.fail("handler refused") : Ref.update(seen, (all) => [...all, event.event_id])
      ))
  }).pipe(Effect.provideService(LoopSupervision, quickRestarts))

layer(redisClientOnServer.pipe(Layer.provideMerge(RedisServer.layer())), { excludeTestServices: true, timeout: "60 seconds" })("BusConsumer", (it) => {
  it.effect("delivers every event in log order, including those published before it started, and acks after the handler", () =>
    Effect.gen(function*() {
      const channel = freshChannel()
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const events = [statusChanged(), statusChanged(), statusChanged()]
      yield* publish(channel, events[0]!)
      yield* consume(channel, "tasks", seen)
      yield* publish(channel, events[1]!)
      yield* publish(channel, events[2]!)
      yield* expectEqual(Ref.get(seen), events.map((event) => event.event_id))
      yield* expectEqual(pendingCount(channel, "tasks"), 0)
    }).pipe(Effect.scoped))

  it.effect("every group gets every event", () =>
    Effect.gen(function*() {
      const channel = freshChannel()
      const a = yield* Ref.make<ReadonlyArray<string>>([])
      const b = yield* Ref.make<ReadonlyArray<string>>([])
      yield* consume(channel, "a", a)
      yield* consume(channel, "b", b)
      const event = statusChanged()
      yield* publish(channel, event)
      yield* expectEqual(Ref.get(a), [event.event_id])
      yield* expectEqual(Ref.get(b), [event.event_id])
    }).pipe(Effect.scoped))

  it.effect("a failed handler's entry stays pending and is delivered again after it idled, then acked", () =>
    Effect.gen(function*() {
      const channel = freshChannel()
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const attempts = yield* Ref.make(0)
      const flaky = statusChanged()
      const steady = statusChanged()
      yield* consume(channel, "tasks", seen, (event) =>
        event.event_id === flaky.event_id ? Ref.modify(attempts, (n) => [n < 2, n + 1]) : Effect.succeed(false))
      yield* publish(channel, flaky)
      yield* publish(channel, steady)
      // The steady event is not held back by the failing one.
      yield* expectEqual(Ref.get(seen), [steady.event_id])
      assert.strictEqual(yield* pendingCount(channel, "tasks"), 1)
      yield* expectEqual(Ref.get(seen), [steady.event_id, flaky.event_id])
      assert.strictEqual(yield* Ref.get(attempts), 3)
      yield* expectEqual(pendingCount(channel, "tasks"), 0)
    }).pipe(Effect.scoped))

  it.effect("malformed entries are acknowledged and skipped; the next event is handled", () =>
    Effect.gen(function*() {
      const channel = freshChannel()
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      yield* xadd(channel, "event", "{not json")
      yield* xadd(channel, "event", `{"type":"job.unknown.v1","event_id":"${crypto.randomUUID()}"}`)
      yield* xadd(channel, "something", "else")
      const good = statusChanged()
      yield* publish(channel, good)
      yield* consume(channel, "tasks", seen)
      yield* expectEqual(Ref.get(seen), [good.event_id])
      yield* expectEqual(pendingCount(channel, "tasks"), 0)
    }).pipe(Effect.scoped))

  it.effect("an event the publisher sent twice (same event_id) runs the handler once", () =>
    Effect.gen(function*() {
      const channel = freshChannel()
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const event = statusChanged()
      const after = statusChanged()
      yield* publish(channel, event)
      yield* publish(channel, event)
      yield* publish(channel, after)
      yield* consume(channel, "tasks", seen)
      yield* expectEqual(Ref.get(seen), [event.event_id, after.event_id])
      yield* expectEqual(pendingCount(channel, "tasks"), 0)
    }).pipe(Effect.scoped))

  it.effect("a consumer restarted in its group resumes at the group's position", () =>
    Effect.gen(function*() {
      const channel = freshChannel()
      const first = yield* Ref.make<ReadonlyArray<string>>([])
      const before = [statusChanged(), statusChanged()]
      yield* Effect.scoped(Effect.gen(function*() {
        yield* consume(channel, "tasks", first)
        for (const event of before) yield* publish(channel, event)
        yield* expectEqual(Ref.get(first), before.map((event) => event.event_id))
      }))
      const whileAway = [statusChanged(), statusChanged()]
      for (const event of whileAway) yield* publish(channel, event)
      const second = yield* Ref.make<ReadonlyArray<string>>([])
      yield* Effect.scoped(Effect.gen(function*() {
        yield* consume(channel, "tasks", second)
        // Sorted: an entry the stopped consumer's blocked read took as its connection closed is redelivered
        // from the pending list, so the order may differ from the log's; the set may not.
        const sorted = Ref.get(second).pipe(Effect.map((ids) => [...ids].sort()))
        const expected = whileAway.map((event) => event.event_id).sort()
        yield* expectEqual(sorted, expected)
        yield* Effect.sleep("500 millis")
        assert.deepStrictEqual(yield* sorted, expected)
        assert.strictEqual(yield* pendingCount(channel, "tasks"), 0)
      }))
    }))

  it.effect("entries a consumer held when it stopped (handler running) are reclaimed by the next one", () =>
    Effect.gen(function*() {
      const channel = freshChannel()
      const started = yield* Deferred.make<void>()
      const event = statusChanged()
      yield* publish(channel, event)
      yield* Effect.scoped(BusConsumer.run({
        channel, group: "tasks", consumer: "dying", decode: JobBusEvents.decode, blockMs: 100, reclaimIdleMs: 300,
        handle: () => Deferred.succeed(started, undefined).pipe(Effect.andThen(Effect.never))
      }).pipe(Effect.andThen(Deferred.await(started))))
      assert.strictEqual(yield* pendingCount(channel, "tasks"), 1)
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      yield* Effect.scoped(Effect.gen(function*() {
        yield* consume(channel, "tasks", seen)
        yield* expectEqual(Ref.get(seen), [event.event_id])
        yield* expectEqual(pendingCount(channel, "tasks"), 0)
      }))
    }))
})

layer(RedisClient.layerMemory, { excludeTestServices: true, timeout: "60 seconds" })("BusConsumer on the in-memory Redis twin (no consumer groups)", (it) => {
  it.effect("reads the log with XREAD: every event once, malformed skipped, a failed handler retried in place", () =>
    Effect.gen(function*() {
      const channel = freshChannel()
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const attempts = yield* Ref.make(0)
      const flaky = statusChanged()
      const steady = statusChanged()
      yield* publish(channel, steady)
      yield* xadd(channel, "event", "{not json")
      yield* consume(channel, "tasks", seen, (event) =>
        event.event_id === flaky.event_id ? Ref.modify(attempts, (n) => [n < 1, n + 1]) : Effect.succeed(false))
      yield* publish(channel, flaky)
      yield* publish(channel, steady)
      yield* expectEqual(Ref.get(seen), [steady.event_id, flaky.event_id])
      assert.strictEqual(yield* Ref.get(attempts), 2)
    }).pipe(Effect.scoped))
})
