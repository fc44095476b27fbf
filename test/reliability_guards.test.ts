/**
 * Scripts check every key before their first write and name the key they refuse; recovery writes
 * valid JSON whatever a record holds; listings skip unreadable entries. On both Redis layers,
 * except where only redis-server can hold the data (bytes that are not UTF-8).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { listDeadLetter, listDeadLetterReport } from "../src/runtime/DeadLetter.js"
import { JobQueue } from "../src/runtime/JobQueue.js"
import { RedisClient } from "../src/redis/RedisClient.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { replyArray } from "../src/redis/RedisReply.js"
import { eventsOf, fieldOf, makeRun } from "./conformance/reliabilitySupport.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

const send = (command: string, ...args: Array<string>) => Effect.flatMap(RedisClient, (redis) => redis.send(command, ...args))

const guardTests = (name: string, redis: Layer.Layer<RedisClient>, server: boolean) => {
  const run = makeRun(redis, RuntimeConfig.layerWith({ leaseMs: 300, defaultBackoffMs: 20, retentionMs: 0 }))

  describe(`script guards on ${name}`, () => {
    it.live("enqueue meeting a wrong-typed queue key writes nothing and names the key; after the key is fixed the job is added", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        for (const [key, runAt] of [["qr:queue:wait", undefined], ["qr:queue:delayed", Date.now() + 60_000]] as const) {
          yield* send("SET", key, "oops")
          const refused = yield* Effect.flip(queue.enqueue({ domain: "qr", userId: 1n, payload: { text: "x" }, jobId: "j1", ...(runAt === undefined ? {} : { runAt }) }))
          assert.include(refused.message, key)
          assert.strictEqual(yield* send("EXISTS", "qr:job:j1"), 0, "no record is left in no queue")
          yield* send("DEL", key)
          const added = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { text: "x" }, jobId: "j1", ...(runAt === undefined ? {} : { runAt }) })
          assert.isTrue(added.added)
          yield* send("DEL", "qr:job:j1", "qr:queue:wait", "qr:queue:delayed")
        }
      })))

    it.live("a wrong-typed events log: claim and recovery refuse before writing, naming the key", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { text: "x" }, jobId: "waiting" })
        yield* send("HSET", "qr:job:stale", "job_id", "stale", "status", "processing", "user_id", "1", "payload", "{}",
          "attempt", "1", "max_attempts", "3", "execution_id", "gone/1")
        yield* send("ZADD", "qr:queue:active", "1", "stale")
        yield* send("SET", "qr:events:log", "not a stream")
        const claim = yield* Effect.flip(queue.claim("qr", 1, "w1"))
        assert.include(claim.message, "qr:events:log")
        assert.strictEqual(yield* send("HGET", "qr:job:waiting", "status"), "queued")
        assert.deepStrictEqual(yield* send("LRANGE", "qr:queue:wait", "0", "-1"), ["waiting"])
        const recovery = yield* Effect.flip(queue.recoverExpired("qr"))
        assert.include(recovery.message, "qr:events:log")
        assert.strictEqual(yield* send("HGET", "qr:job:stale", "status"), "processing")
        assert.strictEqual(yield* send("ZCARD", "qr:queue:active"), 1)
        // Fixed by hand, both go ahead.
        yield* send("DEL", "qr:events:log")
        assert.deepStrictEqual((yield* queue.recoverExpired("qr")).requeued, ["stale"])
        assert.strictEqual((yield* queue.claim("qr", 2, "w1")).jobs.length, 2)
      })))

    it.live("recovery of a record with garbage fields writes valid JSON (no nan, inf)", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        for (const [id, userId, progress] of [["g1", "inf", "nan"], ["g2", "nan", "inf"], ["g3", "1e999", "-inf"]] as const) {
          yield* send("HSET", `qr:job:${id}`, "job_id", id, "status", "processing", "user_id", userId, "progress", progress,
            "payload", "{}", "attempt", "1", "max_attempts", "3", "execution_id", "gone/1")
          yield* send("ZADD", "qr:queue:active", "1", id)
        }
        yield* send("HSET", "qr:job:g4", "job_id", "g4", "status", "processing", "user_id", "inf", "payload", "{}",
          "attempt", "3", "max_attempts", "3", "execution_id", "gone/3")
        yield* send("ZADD", "qr:queue:active", "1", "g4")
        const recovered = yield* queue.recoverExpired("qr")
        assert.sameMembers([...recovered.requeued, ...recovered.dead], ["g1", "g2", "g3", "g4"])
        const raw = (replyArray(yield* send("XRANGE", "qr:events:log", "-", "+")) ?? []).length
        assert.strictEqual(raw, 4)
        for (const id of ["g1", "g2", "g3", "g4"]) {
          // eventsOf parses every entry with JSON.parse: an invalid one throws here.
          const [event] = yield* eventsOf(id)
          assert.isDefined(event)
          if (event !== undefined && fieldOf(event, "progress") !== undefined) assert.strictEqual(fieldOf(event, "progress"), 0)
        }
      })))

    it.live("dead-letter list skips an entry whose record is a string and reports it; the others are listed", () =>
      run(Effect.gen(function*() {
        yield* send("HSET", "qr:job:good", "job_id", "good", "status", "failed", "attempt", "2", "max_attempts", "2",
          "error_kind", "system", "last_error", "boom")
        yield* send("SET", "qr:job:stringy", "not a hash")
        yield* send("ZADD", "qr:queue:dead", "1", "good", "2", "stringy")
        const report = yield* listDeadLetterReport("qr")
        assert.deepStrictEqual(report.entries.map((e) => [e.jobId, e.lastError]), [["good", "boom"]])
        assert.deepStrictEqual(report.unreadable.map((u) => u.jobId), ["stringy"])
        assert.include(report.unreadable[0]?.reason ?? "", "qr:job:stringy")
        assert.deepStrictEqual((yield* listDeadLetter("qr")).map((e) => e.jobId), ["good"])
      })))

    if (server) {
      it.live("a queue entry that is not UTF-8 is set aside with a reason instead of being claimed", () =>
        run(Effect.gen(function*() {
          const queue = yield* JobQueue
          yield* send("EVAL", "redis.call('HSET', KEYS[2] .. 'bad\\255id', 'status', 'queued', 'user_id', '1', 'payload', '{}') " +
            "return redis.call('LPUSH', KEYS[1], 'bad\\255id')", "2", "qr:queue:wait", "qr:job:")
          const claimed = yield* queue.claim("qr", 1, "w1")
          assert.strictEqual(claimed.jobs.length, 0)
          assert.include(claimed.invalid.map((i) => i.reason).join("\n"), "job id is not valid UTF-8")
          assert.strictEqual(yield* send("LLEN", "qr:queue:invalid"), 1)
        })))
    }
  })
}

guardTests("in-memory Redis", RedisClient.layerMemory, false)
guardTests("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())), true)
