import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Queue } from "effect"
import { RedisClient } from "../src/redis/RedisClient.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

layer(redisClientOnServer.pipe(Layer.provideMerge(RedisServer.layer())))("RedisClient (ioredis)", (it) => {
  it.effect("sends commands and decodes replies", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      assert.strictEqual(yield* redis.send("SET", "k", "v"), "OK")
      assert.strictEqual(yield* redis.send("GET", "k"), "v")
      assert.strictEqual(yield* redis.send("GET", "missing"), null)
      assert.strictEqual(yield* redis.send("HSET", "h", "a", "1", "b", "2"), 2)
      assert.deepStrictEqual(yield* redis.send("HGETALL", "h"), ["a", "1", "b", "2"])
    }))

  it.effect("reports WRONGTYPE as a RedisError naming the op", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      yield* redis.send("SET", "str", "x")
      const error = yield* Effect.flip(redis.send("HGET", "str", "f"))
      assert.strictEqual(error.op, "hget")
      assert.match(error.message, /WRONGTYPE/)
    }))

  it.effect("delivers published messages to a subscriber", () =>
    Effect.scoped(Effect.gen(function*() {
      const redis = yield* RedisClient
      const messages = yield* redis.subscribe("chan")
      assert.strictEqual(yield* redis.send("PUBLISH", "chan", "hello"), 1)
      const got = yield* Queue.take(messages)
      assert.deepStrictEqual(got, { channel: "chan", message: "hello" })
    })))
})
