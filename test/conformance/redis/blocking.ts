/** Blocking commands on a reserved connection, pub/sub, and pipelines. */
import { assert, describe } from "@effect/vitest"
import { Effect, Fiber, Queue } from "effect"
import { RedisClient } from "../../../src/redis/RedisClient.js"
import { expectError, expectReply, flush, realSleep, send, type SuiteIt, WRONGTYPE } from "./support.js"

/** Runs `command` on a reserved connection in the background, then `wake` after it has blocked. */
const blockThenWake = (command: ReadonlyArray<string>, wake: Effect.Effect<unknown, unknown, RedisClient>) =>
  Effect.scoped(Effect.gen(function*() {
    const redis = yield* RedisClient
    const connection = yield* redis.reserve
    const [name = "", ...args] = command
    const fiber = yield* Effect.forkChild(connection.send(name, ...args), { startImmediately: true })
    yield* realSleep(100)
    assert.isUndefined(fiber.pollUnsafe(), `${name} returned before anything was pushed`)
    yield* Effect.orDie(wake)
    return yield* Fiber.join(fiber)
  }))

export const blocking = (it: SuiteIt) => {
  describe("blocking commands", () => {
    it.effect("BLMOVE waits for a push from another connection", () =>
      Effect.gen(function*() {
        yield* flush
        const moved = yield* blockThenWake(["BLMOVE", "src", "dst", "LEFT", "RIGHT", "5"], send("RPUSH", "src", "job-1"))
        assert.strictEqual(moved, "job-1")
        yield* expectReply(["job-1"], "LRANGE", "dst", "0", "-1")
        yield* expectReply(0, "EXISTS", "src")
      }))

    it.effect("BLMOVE k k RIGHT RIGHT (a rotation) wakes when another caller pushes to k", () =>
      Effect.gen(function*() {
        yield* flush
        const seen = yield* blockThenWake(["BLMOVE", "k", "k", "RIGHT", "RIGHT", "0"], send("LPUSH", "k", "item"))
        assert.strictEqual(seen, "item")
        yield* expectReply(["item"], "LRANGE", "k", "0", "-1")
      }))

    it.effect("BRPOPLPUSH, BLPOP and BRPOP wake on push; they answer at once when data is there", () =>
      Effect.gen(function*() {
        yield* flush
        assert.strictEqual(yield* blockThenWake(["BRPOPLPUSH", "a", "b", "0"], send("RPUSH", "a", "x", "y")), "y")
        yield* expectReply(["y"], "LRANGE", "b", "0", "-1")
        assert.deepStrictEqual(yield* blockThenWake(["BLPOP", "l1", "l2", "2"], send("RPUSH", "l2", "v")), ["l2", "v"])
        yield* send("RPUSH", "l1", "p", "q")
        yield* expectReply(["a", "x"], "BLPOP", "missing", "a", "1")
        yield* expectReply(["l1", "q"], "BRPOP", "l1", "1")
      }))

    it.effect("BZPOPMIN wakes on ZADD and replies [key, member, score]", () =>
      Effect.gen(function*() {
        yield* flush
        const popped = yield* blockThenWake(["BZPOPMIN", "z", "1.5"], send("ZADD", "z", "2", "b", "1", "a"))
        assert.deepStrictEqual(popped, ["z", "a", "1"])
        yield* expectReply(["z", "b", "2"], "BZPOPMIN", "other", "z", "0")
        yield* expectReply(0, "EXISTS", "z")
      }))

    it.effect("XREAD BLOCK with $ wakes on XADD and sees only the new entry", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("XADD", "s", "1-0", "old", "1")
        const read = yield* blockThenWake(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], send("XADD", "s", "2-0", "new", "2"))
        assert.deepStrictEqual(read, [["s", [["2-0", ["new", "2"]]]]])
      }))

    it.effect("two callers blocked on one list each take one item; writes to other keys wake neither", () =>
      Effect.scoped(Effect.gen(function*() {
        yield* flush
        const redis = yield* RedisClient
        const first = yield* redis.reserve
        const second = yield* redis.reserve
        const a = yield* Effect.forkChild(first.send("BLPOP", "jobs", "5"), { startImmediately: true })
        const b = yield* Effect.forkChild(second.send("BLPOP", "jobs", "5"), { startImmediately: true })
        yield* realSleep(100)
        yield* send("RPUSH", "other", "x")
        yield* send("SET", "jobs-not", "y")
        yield* realSleep(30)
        assert.isUndefined(a.pollUnsafe())
        assert.isUndefined(b.pollUnsafe())
        yield* send("RPUSH", "jobs", "j1", "j2")
        const got = [yield* Fiber.join(a), yield* Fiber.join(b)]
        assert.deepStrictEqual(got.map((reply) => (Array.isArray(reply) ? reply[1] : reply)).sort(), ["j1", "j2"])
        yield* expectReply(0, "EXISTS", "jobs")
      })))

    it.effect("a blocked caller is served within the push: the pusher's next command sees the move", () =>
      Effect.scoped(Effect.gen(function*() {
        yield* flush
        const connection = yield* (yield* RedisClient).reserve
        const fiber = yield* Effect.forkChild(connection.send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "5"), {
          startImmediately: true
        })
        yield* realSleep(100)
        yield* expectReply(1, "RPUSH", "src", "a")
        yield* expectReply(["a"], "LRANGE", "dst", "0", "-1")
        yield* expectReply(0, "LLEN", "src")
        assert.strictEqual(yield* Fiber.join(fiber), "a")
      })))

    it.effect("blocking commands time out with nil (decimal seconds, XREAD in ms)", () =>
      Effect.scoped(Effect.gen(function*() {
        yield* flush
        const connection = yield* (yield* RedisClient).reserve
        assert.strictEqual(yield* connection.send("BLPOP", "empty", "0.1"), null)
        assert.strictEqual(yield* connection.send("BLMOVE", "empty", "dst", "LEFT", "LEFT", "0.1"), null)
        assert.strictEqual(yield* connection.send("BZPOPMIN", "empty", "0.1"), null)
        assert.strictEqual(yield* connection.send("XREAD", "BLOCK", "100", "STREAMS", "empty", "$"), null)
        yield* expectError("ERR timeout is not a float or out of range", "BLPOP", "l", "soon")
        yield* expectError("ERR timeout is negative", "BLPOP", "l", "-1")
        yield* send("SET", "str", "v")
        yield* expectError(WRONGTYPE, "BLPOP", "str", "0")
      })))
  })

  describe("pub/sub and pipelines", () => {
    it.effect("PUBLISH counts subscribers; each subscriber receives; none after the scope closes", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        yield* Effect.scoped(Effect.gen(function*() {
          const first = yield* redis.subscribe("news")
          const second = yield* redis.subscribe("news")
          yield* expectReply(2, "PUBLISH", "news", "hello")
          yield* expectReply(0, "PUBLISH", "other", "x")
          assert.deepStrictEqual(yield* Queue.take(first), { channel: "news", message: "hello" })
          assert.deepStrictEqual(yield* Queue.take(second), { channel: "news", message: "hello" })
        }))
        yield* expectReply(0, "PUBLISH", "news", "late")
      }))

    it.effect("a pipeline runs in order; an error fails the call after every command ran", () =>
      Effect.gen(function*() {
        yield* flush
        const redis = yield* RedisClient
        const replies = yield* redis.pipeline([["SET", "a", "1"], ["INCR", "a"], ["GET", "a"], ["GET", "missing"]])
        assert.deepStrictEqual(replies, ["OK", 2, "2", null])
        const error = yield* Effect.flip(redis.pipeline([["SET", "b", "1"], ["HGET", "b", "f"], ["SET", "c", "1"]]))
        assert.strictEqual(error.op, "pipeline")
        assert.include(error.message, WRONGTYPE)
        yield* expectReply(["1", "1"], "MGET", "b", "c")
      }))
  })
}
