import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { RedisClient } from "../src/runtime/RedisClient.js"
import { redisCommandsSuite } from "./conformance/redisCommands.js"
import { realSleep } from "./conformance/redis/support.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

redisCommandsSuite("in-memory Redis", RedisClient.layerMemory)

redisCommandsSuite("redis-server 7", Layer.provide(redisClientOnServer, RedisServer.layer()))

// Behaviour only the in-memory layer can promise (a real server keeps its data between clients).
describe("in-memory Redis, per layer", () => {
  it.live("each built layer has its own keyspace", () =>
    Effect.gen(function*() {
      yield* Effect.gen(function*() {
        const redis = yield* RedisClient
        yield* redis.send("SET", "k", "first")
        assert.strictEqual(yield* redis.send("GET", "k"), "first")
      }).pipe(Effect.provide(RedisClient.layerMemory))
      const seen = yield* Effect.gen(function*() {
        const redis = yield* RedisClient
        return yield* redis.send("GET", "k")
      }).pipe(Effect.provide(RedisClient.layerMemory))
      assert.strictEqual(seen, null)
    }))

  it.live("an interrupted BLPOP takes nothing: a later push stays in the list", () =>
    Effect.scoped(Effect.gen(function*() {
      const redis = yield* RedisClient
      const connection = yield* redis.reserve
      const fiber = yield* Effect.forkChild(connection.send("BLPOP", "jobs", "0"), { startImmediately: true })
      yield* realSleep(20)
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(yield* redis.send("RPUSH", "jobs", "j1"), 1)
      yield* realSleep(20)
      assert.deepStrictEqual(yield* redis.send("LRANGE", "jobs", "0", "-1"), ["j1"])
    })).pipe(Effect.provide(RedisClient.layerMemory)))

  it.live("a blocked BLPOP on the shared client wakes too", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      const fiber = yield* Effect.forkChild(redis.send("BLPOP", "q", "5"), { startImmediately: true })
      yield* realSleep(20)
      yield* redis.send("LPUSH", "q", "v")
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["q", "v"])
    }).pipe(Effect.provide(RedisClient.layerMemory)))
})
