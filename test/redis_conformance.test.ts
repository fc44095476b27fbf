import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer } from "effect"
import { RedisClient } from "../src/redis/RedisClient.js"
import { Engine } from "../src/redis/memory/Engine.js"
import { LuaScripts, makeLuaEngine } from "../src/redis/memory/lua.js"
import type { RedisReply } from "../src/redis/RedisReply.js"
import { redisCommandsSuite } from "./conformance/redisCommands.js"
import { makeRandom, randomCommand } from "./conformance/redis/randomCommands.js"
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

  it.live("expired keys nobody reads are swept away by later commands", () =>
    Effect.scoped(Effect.gen(function*() {
      const lua = yield* makeLuaEngine
      const engine = new Engine((runInScript) => new LuaScripts(lua, runInScript))
      for (let i = 0; i < 100; i++) engine.execute("SET", [`job:${i}`, "done", "PX", "300"])
      engine.execute("SET", ["keep", "1"])
      assert.strictEqual(engine.ks.storedCount, 101)
      yield* realSleep(400)
      for (let i = 0; i < 20; i++) engine.execute("PING", [])
      assert.strictEqual(engine.ks.storedCount, 1)
    })))

  it.live("Lua cannot carry NUL bytes or non-UTF-8 here: such values are refused, never mangled", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      yield* redis.send("SET", "bin", "a\u0000b")
      assert.strictEqual(yield* redis.send("GET", "bin"), "a\u0000b")
      const read = yield* Effect.flip(redis.send("EVAL", "return redis.call('get', 'bin')", "0"))
      assert.include(read.message, "cannot pass strings containing NUL bytes")
      const passed = yield* Effect.flip(redis.send("EVAL", "return ARGV[1]", "0", "x\u0000y"))
      assert.include(passed.message, "cannot pass strings containing NUL bytes")
      for (const script of ["return string.char(97, 0, 98)", "return {1, {string.char(0)}}", "return redis.call('set', 'k', string.char(0))"]) {
        const made = yield* Effect.flip(redis.send("EVAL", script, "0"))
        assert.include(made.message, "cannot pass strings containing NUL bytes")
      }
      assert.strictEqual(yield* redis.send("EXISTS", "k"), 0)
      const bytes = yield* Effect.flip(redis.send("EVAL", "return string.char(200, 201)", "0"))
      assert.include(bytes.message, "cannot pass strings that are not UTF-8")
      assert.strictEqual(yield* redis.send("EVAL", "return 'héllo ✓'", "0"), "héllo ✓")
    }).pipe(Effect.provide(RedisClient.layerMemory)))

  it.live("a blocked BLPOP on the shared client wakes too", () =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      const fiber = yield* Effect.forkChild(redis.send("BLPOP", "q", "5"), { startImmediately: true })
      yield* realSleep(20)
      yield* redis.send("LPUSH", "q", "v")
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["q", "v"])
    }).pipe(Effect.provide(RedisClient.layerMemory)))
})

type Outcome =
  | { readonly _tag: "Success"; readonly success: RedisReply }
  | { readonly _tag: "Failure"; readonly failure: { readonly message: string } }

/** What must match between the layers: unordered replies sorted, TTLs by sign, auto ids by shape. */
const normalise = (command: string, outcome: Outcome) => {
  if (outcome._tag === "Failure") {
    return `error: ${outcome.failure.message.replace(/^redis \S+ failed: /, "").replace(/ script: .*$/, "")}`
  }
  const reply = outcome.success
  if ((command === "KEYS" || command === "SMEMBERS") && Array.isArray(reply)) return JSON.stringify(reply.map(String).sort())
  if ((command === "TTL" || command === "PTTL") && typeof reply === "number") return reply < 0 ? String(reply) : "positive"
  return JSON.stringify(reply, (_key, value: unknown) =>
    typeof value === "string" && /^\d{13}-\d+$/.test(value) ? "<auto id>" : value)
}

// Differential check: the same random command sequence on both layers, reply by reply
// (errors compared by Redis's text; auto-generated stream ids only by shape).
describe("in-memory Redis against redis-server, random command sequences", () => {
  it.live("1,500 commands per seed give identical replies", () =>
    Effect.scoped(Effect.gen(function*() {
      const memory = Context.get(yield* Layer.build(RedisClient.layerMemory), RedisClient)
      const real = Context.get(yield* Layer.build(Layer.provide(redisClientOnServer, RedisServer.layer())), RedisClient)
      for (const seed of [1, 2, 3]) {
        yield* memory.send("FLUSHALL")
        yield* real.send("FLUSHALL")
        const random = makeRandom(seed)
        for (let step = 0; step < 1500; step++) {
          const [command = "PING", ...args] = randomCommand(random)
          // Commands wrapped in redis.pcall are normalised as the command they carry.
          const carried = command === "EVAL" && args[1] === "0" ? args[2] ?? command : command
          const fromMemory = normalise(carried, yield* Effect.result(memory.send(command, ...args)))
          const fromServer = normalise(carried, yield* Effect.result(real.send(command, ...args)))
          assert.strictEqual(fromMemory, fromServer, `seed ${seed} step ${step}: ${command} ${JSON.stringify(args)}`)
        }
      }
    })), 60_000)
})
