/**
 * 64-bit user ids and the Python form of the wire, end to end through the queue, the Lua scripts
 * and the worker (issue 17), run on each Redis layer: ids beyond 2^53 keep every digit in the
 * status hash and in every event, the claim script sets aside a record whose user_id is not a
 * 64-bit integer (with a log line), timestamps are written as Python's isoformat() writes UTC, and
 * numbers Lua writes are decimal integers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Logger, type Scope, Stream } from "effect"
import { decodeJobStatus } from "../../src/contracts/JobStatus.js"
import { eventsLogKey, queueKeys } from "../../src/contracts/Keys.js"
import { EventBus } from "../../src/runtime/EventBus.js"
import { JobQueue } from "../../src/runtime/JobQueue.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../../src/runtime/RuntimeLayer.js"
import { startWorker } from "../../src/runtime/Worker.js"
import { replyArray, replyRecord, replyString } from "../../src/redis/RedisReply.js"
import { makeProbe, testJob } from "../support/TestJobs.js"
import { waitForStatus } from "./reliabilitySupport.js"

export const userIdsUnderTest = [1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)] as const

/** `2026-12-07T07:39:33.731000+00:00`: what Python's datetime.isoformat() writes for UTC. */
export const pythonUtcTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/


/** The raw JSON texts of the domain's event log, in order. */
const loggedEvents = Effect.gen(function*() {
  const entries = replyArray(yield* (yield* RedisClient).send("XRANGE", eventsLogKey("qr"), "-", "+")) ?? []
  return entries.map((entry) => {
    const fields = replyArray(replyArray(entry)?.[1] ?? null) ?? []
    return replyString(fields[1] ?? null) ?? ""
  })
})

export const userIdsSuite = (name: string, redis: Layer.Layer<RedisClient>) =>
  describe(`64-bit user ids and the Python wire form on ${name}`, () => {
    const layer = runtimeLayer(redis, RuntimeConfig.layerWith({ leaseMs: 2_000, defaultBackoffMs: 20 }))
    const run = <A, E>(effect: Effect.Effect<A, E, RuntimeServices | Scope.Scope>) =>
      Effect.gen(function*() {
        yield* (yield* RedisClient).send("FLUSHALL")
        return yield* effect
      }).pipe(Effect.scoped, Effect.provide(layer))

    it.live("enqueue, claim, started, progress and completed keep every digit of the user id", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 4 })
        const jobs = yield* Effect.forEach(userIdsUnderTest, (userId) =>
          queue.enqueue({ domain: "qr", userId, payload: { kind: "ok" }, jobId: `user-${userId}` }))
        const decoded = yield* (yield* EventBus).subscribe("qr", { from: "0" }).pipe(
          Stream.take(jobs.length * 3),
          Stream.map((e) => e.message.event),
          Stream.runCollect
        )
        const texts = yield* loggedEvents
        for (const [i, userId] of userIdsUnderTest.entries()) {
          const jobId = jobs[i]?.jobId ?? ""
          const status = (yield* waitForStatus(jobId, "completed")).status
          assert.strictEqual(status.user_id, userId)
          const raw = replyRecord(yield* (yield* RedisClient).send("HGETALL", `qr:job:${jobId}`)) ?? {}
          assert.strictEqual(raw["user_id"], String(userId))
          assert.strictEqual((yield* decodeJobStatus(jobId, raw)).user_id, userId)
          const own = texts.filter((text) => text.includes(`"job_id":"${jobId}"`))
          assert.deepStrictEqual(own.map((text) => /"type":"qr\.job\.(\w+)\.v1"/.exec(text)?.[1]), ["started", "progress", "completed"])
          for (const text of own) assert.include(text, `"user_id":${userId},`)
          const events = decoded.filter((event) => "job_id" in event && event.job_id === jobId)
          assert.deepStrictEqual(events.map((event) => "user_id" in event ? event.user_id : undefined), [userId, userId, userId])
        }
      })))

    it.live("enqueue refuses a user id outside the signed 64-bit range, writing nothing", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        for (const userId of [2n ** 63n, -(2n ** 63n) - 1n]) {
          const error = yield* Effect.flip(queue.enqueue({ domain: "qr", userId, payload: {} }))
          assert.match(error.message, new RegExp(`^invalid user id ${userId}: expected an integer in -9223372036854775808\\.\\.9223372036854775807`))
        }
        assert.strictEqual(yield* (yield* RedisClient).send("DBSIZE"), 0)
      })))

    it.live("a record whose user_id is not a 64-bit integer is set aside at claim, naming the field, with a log line", () =>
      Effect.gen(function*() {
        const lines: Array<string> = []
        const capture = Logger.make((options) => {
          lines.push(String(options.message))
        })
        yield* run(Effect.gen(function*() {
          const send = (yield* RedisClient).send
          const keys = queueKeys("qr")
          const bad = { float: "1.5", big: "9223372036854775808", word: "alice", nan: "nan" }
          for (const [id, userId] of Object.entries(bad)) {
            yield* send("HSET", `qr:job:${id}`, "job_id", id, "user_id", userId, "status", "queued", "progress", "0", "payload", `{"kind":"ok"}`)
            yield* send("LPUSH", keys.wait, id)
          }
          const queue = yield* JobQueue
          // A good record with a padded id the seed's parse_int_field accepts runs with the id it names.
          yield* send("HSET", "qr:job:padded", "job_id", "padded", "user_id", " 007 ", "status", "queued", "progress", "0", "payload", `{"kind":"ok"}`)
          yield* send("LPUSH", keys.wait, "padded")
          const claimed = yield* queue.claim("qr", 10, "w")
          assert.deepStrictEqual(claimed.jobs.map((job) => [job.jobId, job.userId]), [["padded", 7n]])
          assert.deepStrictEqual(claimed.invalid.map((entry) => entry.entry).sort(), Object.keys(bad).sort())
          for (const entry of claimed.invalid) assert.match(entry.reason, /user_id/)
          const invalidList = (replyArray(yield* send("LRANGE", keys.invalid, "0", "-1")) ?? []).map(String)
          assert.strictEqual(invalidList.length, 4)
          for (const line of invalidList) assert.match(line, /\tuser_id|user_id that is not a signed 64-bit integer/)
          for (const id of Object.keys(bad)) {
            assert.strictEqual(replyString(yield* send("HGET", `qr:job:${id}`, "status")), "failed")
          }
          assert.strictEqual(yield* send("ZCARD", keys.active), 1)
          // The worker logs what its claim set aside.
          yield* send("HSET", "qr:job:late", "job_id", "late", "user_id", "1e3", "status", "queued", "progress", "0", "payload", `{"kind":"ok"}`)
          yield* send("LPUSH", keys.wait, "late")
          yield* startWorker(testJob(yield* makeProbe), { concurrency: 1 })
          for (let i = 0; i < 200 && !lines.some((line) => line.includes("late")); i++) yield* Effect.sleep("10 millis")
        })).pipe(Effect.provide(Logger.layer([capture])))
        assert.isTrue(lines.some((line) => line.includes(`"late"`) && line.includes("user_id")), lines.join("\n"))
      }))

    it.live("times are written as Python's isoformat() writes UTC, and Lua writes next_run_at as a decimal integer", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const send = (yield* RedisClient).send
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 1 })
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 5n, payload: { kind: "ok" } })
        yield* waitForStatus(jobId, "completed")
        const raw = replyRecord(yield* send("HGETALL", `qr:job:${jobId}`)) ?? {}
        assert.match(raw["created_at"] ?? "", pythonUtcTimestamp)
        assert.match(raw["updated_at"] ?? "", pythonUtcTimestamp)
        const far = yield* queue.enqueue({ domain: "qr", userId: 5n, payload: { kind: "ok" }, runAt: 8.64e15 })
        assert.strictEqual(replyString(yield* send("HGET", `qr:job:${far.jobId}`, "next_run_at")), "8640000000000000")
        const later = yield* queue.enqueue({ domain: "qr", userId: 5n, payload: { kind: "ok" }, runAt: Date.now() + 3_600_000 })
        assert.match(replyString(yield* send("HGET", `qr:job:${later.jobId}`, "next_run_at")) ?? "", /^\d{13}$/)
      })))
  })
