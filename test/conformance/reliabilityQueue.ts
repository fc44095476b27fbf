/** Reliability suite, second part: dead letter, retention, repeatable jobs, bad input. */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, type Layer, Option } from "effect"
import { listDeadLetter, requeueDeadLetter, retryJob, showDeadLetter } from "../../src/runtime/DeadLetter.js"
import { type Claimed, JobQueue } from "../../src/runtime/JobQueue.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { addSchedule, enqueueDue, listSchedules, occurrences, removeSchedule, repeatJobId, runScheduler } from "../../src/runtime/Schedules.js"
import { startWorker } from "../../src/runtime/Worker.js"
import { replyArray, replyNumber } from "../../src/redis/RedisReply.js"
import { makeProbe, testJob } from "../support/TestJobs.js"
import { eventsOf, eventually, fieldOf, loadRecord, makeRun, waitForStatus } from "./reliabilitySupport.js"

const send = (command: string, ...args: Array<string>) =>
  Effect.gen(function*() {
    return yield* (yield* RedisClient).send(command, ...args)
  })

const reported = (claimed: Claimed) => claimed.invalid.map((i) => `${i.entry}: ${i.reason}`).join("\n")

export const reliabilityQueueTests = (redis: Layer.Layer<RedisClient>) => {
  const run = makeRun(redis, RuntimeConfig.layerWith({ leaseMs: 300, defaultBackoffMs: 20, retentionMs: 0 }))
  const runShortRetention = makeRun(redis, RuntimeConfig.layerWith({ leaseMs: 300, defaultBackoffMs: 20, retentionMs: 300 }))

  describe("dead letter", () => {
    it.live("lists and shows dead jobs with their last error, and requeues them with attempts reset", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 2 })
        const dead = yield* queue.enqueue({ domain: "qr", userId: 4n, payload: { kind: "system-error" }, maxAttempts: 2 })
        const userFailed = yield* queue.enqueue({ domain: "qr", userId: 4n, payload: { kind: "user-error" } })
        yield* waitForStatus(dead.jobId, "failed")
        yield* waitForStatus(userFailed.jobId, "failed")
        const listed = yield* listDeadLetter("qr")
        assert.deepStrictEqual(listed.map((e) => [e.jobId, e.attempt, e.maxAttempts, e.errorKind]), [[dead.jobId, 2, 2, "system"]])
        assert.strictEqual(listed[0]?.lastError, "dependency unavailable (after 2 attempts)")
        const shown = yield* showDeadLetter("qr", dead.jobId)
        assert.isTrue(Option.isSome(shown.deadAt))
        assert.strictEqual(shown.record.status.status, "failed")
        assert.isTrue(Option.isNone((yield* showDeadLetter("qr", userFailed.jobId)).deadAt))

        const refused = yield* Effect.flip(requeueDeadLetter("qr", userFailed.jobId))
        assert.strictEqual(refused._tag, "RequeueRefused")
        assert.include(refused.message, "is not in the dead letter")
        const missing = yield* Effect.flip(requeueDeadLetter("qr", "ghost"))
        assert.strictEqual(missing._tag, "JobNotFound")

        yield* requeueDeadLetter("qr", dead.jobId)
        assert.strictEqual((yield* listDeadLetter("qr")).length, 0)
        const again = yield* waitForStatus(dead.jobId, "failed")
        assert.strictEqual(again.attempt, 2)
        const messages = (yield* eventsOf(dead.jobId)).map((e) => fieldOf(e, "message"))
        assert.include(messages, "requeued from dead letter")
        assert.strictEqual((yield* listDeadLetter("qr")).length, 1)
      })))

    it.live("retry runs any failed job again from its first attempt; a queued job is refused", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 4n, payload: { kind: "ok" } })
        const notFailed = yield* Effect.flip(retryJob("qr", jobId))
        assert.strictEqual(notFailed._tag, "RequeueRefused")
        assert.include(notFailed.message, "is queued, not failed")
        // Fail it for good by hand, as a user error would.
        yield* send("HSET", `qr:job:${jobId}`, "status", "failed", "attempt", "1", "error", "bad", "error_kind", "user")
        yield* send("LREM", "qr:queue:wait", "0", jobId)
        yield* retryJob("qr", jobId)
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 1 })
        const done = yield* waitForStatus(jobId, "completed")
        assert.strictEqual(done.attempt, 1)
      })))
  })

  describe("retention", () => {
    it.live("completed and failed records expire after the retention time; dead-lettered ones are kept", () =>
      runShortRetention(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 3 })
        const ok = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } })
        const failed = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "user-error" } })
        const dead = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "system-error" }, maxAttempts: 1 })
        yield* waitForStatus(dead.jobId, "failed")
        for (const { jobId } of [ok, failed]) {
          yield* eventually(`${jobId} to expire`, send("EXISTS", `qr:job:${jobId}`).pipe(Effect.map((n) => (n === 0 ? true : undefined))))
        }
        assert.strictEqual(replyNumber(yield* send("PTTL", `qr:job:${dead.jobId}`)), -1)
        assert.strictEqual((yield* loadRecord(dead.jobId))?.status.status, "failed")
      })))
  })

  describe("repeatable jobs", () => {
    it.effect("interval and cron occurrences are computed from the schedule alone", () =>
      Effect.gen(function*() {
        const base = { name: "n", anchor_ms: 1_000, user_id: 1n, payload: {} }
        assert.deepStrictEqual(yield* occurrences({ ...base, every_ms: 100 }, 1_050, 1_400), [1_100, 1_200, 1_300, 1_400])
        const t0 = Date.UTC(2026, 0, 1, 0, 0, 0)
        assert.deepStrictEqual(
          yield* occurrences({ ...base, cron: "*/15 * * * *" }, t0, t0 + 45 * 60_000),
          [15, 30, 45].map((m) => t0 + m * 60_000)
        )
        const bad = yield* Effect.flip(occurrences({ ...base, cron: "every tuesday" }, t0, t0 + 1))
        assert.include(bad.message, `invalid cron expression "every tuesday"`)
      }))

    it.live("bad schedules are refused with a reason", () =>
      run(Effect.gen(function*() {
        const base = { anchor_ms: 0, user_id: 1n, payload: { kind: "ok" } }
        const cases: Array<[Parameters<typeof addSchedule>[1], string]> = [
          [{ ...base, name: "has space", every_ms: 10 }, "invalid schedule name"],
          [{ ...base, name: "both", every_ms: 10, cron: "* * * * *" }, "exactly one of"],
          [{ ...base, name: "none" }, "exactly one of"],
          [{ ...base, name: "zero", every_ms: 0 }, "interval must be positive"],
          [{ ...base, name: "cron", cron: "61 * * * *" }, "invalid cron expression"]
        ]
        for (const [spec, text] of cases) {
          const error = yield* Effect.flip(addSchedule("qr", spec))
          assert.strictEqual(error._tag, "ScheduleError")
          assert.include(error.message, text)
        }
        assert.strictEqual((yield* listSchedules("qr")).schedules.length, 0)
      })))

    it.live("two schedulers enqueue each occurrence once; removing the schedule cancels what is pending", () =>
      run(Effect.gen(function*() {
        yield* addSchedule("qr", { name: "tick", every_ms: 100, anchor_ms: 0, user_id: 9n, payload: { kind: "ok" } })
        yield* send("HSET", "qr:schedules", "garbage", "{not json")
        // Two passes racing on the same window add each occurrence once between them.
        const [a, b] = yield* Effect.all([enqueueDue("qr", 1_000), enqueueDue("qr", 1_000)], { concurrency: 2 })
        const added = [...(a ?? []), ...(b ?? [])]
        assert.strictEqual(new Set(added).size, added.length)
        assert.isAtLeast(added.length, 9)
        assert.isTrue(added.every((id) => /^repeat:tick:\d+00$/.test(id)))
        const first = added.sort()[0] ?? ""
        // Two workers with a scheduler each, stopped before the schedule is removed.
        yield* Effect.scoped(Effect.gen(function*() {
          for (let i = 0; i < 2; i++) {
            yield* runScheduler("qr", { tickMs: 50 })
            yield* startWorker(testJob(yield* makeProbe), { concurrency: 4 })
          }
          yield* waitForStatus(first, "completed")
        }))
        const completed = (yield* eventsOf(first)).filter((e) => fieldOf(e, "type") === "qr.job.completed.v1")
        assert.strictEqual(completed.length, 1)
        const at = Number(first.split(":")[2])
        assert.strictEqual(repeatJobId("tick", at), first)
        assert.isTrue(yield* removeSchedule("qr", "tick"))
        const pending = replyArray(yield* send("ZRANGE", "qr:queue:delayed", "0", "-1")) ?? []
        assert.deepStrictEqual(pending, [])
        assert.deepStrictEqual((yield* listSchedules("qr")).unreadable.map((u) => u.name), ["garbage"])
      }).pipe(
        // Intervals under the 1 s default minimum, allowed by configuration.
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ JOBS_MIN_SCHEDULE_INTERVAL_MS: "10" })))
      )))
  })

  describe("bad input", () => {
    it.live("garbage queue entries and records are set aside with the key named; the worker keeps going", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* send("SET", "qr:job:stringy", "not a hash")
        yield* send("HSET", "qr:job:weird", "status", "banana", "user_id", "1", "payload", "{}")
        yield* send("HSET", "qr:job:badattempt", "status", "queued", "user_id", "1", "payload", "{}", "attempt", "x")
        yield* send("LPUSH", "qr:queue:wait", "ghost", "stringy", "weird", "badattempt")
        yield* send("SET", "qr:queue:active", "oops")
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } })
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 2 })
        yield* waitForStatus(jobId, "completed")
        const invalid = (replyArray(yield* send("LRANGE", "qr:queue:invalid", "0", "-1")) ?? []).map(String).join("\n")
        assert.include(invalid, "ghost\tno record at qr:job:ghost")
        assert.include(invalid, "stringy\trecord at qr:job:stringy is a string, not a hash")
        assert.include(invalid, `weird\trecord at qr:job:weird has an unknown status "banana"`)
        assert.include(invalid, `badattempt\trecord at qr:job:badattempt has a non-integer attempt "x"`)
        assert.notStrictEqual(yield* send("TYPE", "qr:queue:active"), "string")
        const second = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } })
        yield* waitForStatus(second.jobId, "completed")
      })))

    it.live("a queue key of the wrong type is renamed aside and reported by the claim that meets it", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* send("SET", "qr:queue:wait", "w")
        yield* send("SET", "qr:queue:delayed", "d")
        const first = yield* queue.claim("qr", 1, "w1")
        assert.deepStrictEqual(first.jobs, [])
        assert.include(reported(first), "qr:queue:wait: qr:queue:wait was a string, not a list; renamed to qr:queue:wait:corrupt:")
        assert.include(reported(first), "qr:queue:delayed: qr:queue:delayed was a string, not a zset; renamed to qr:queue:delayed:corrupt:")

        yield* send("SET", "qr:queue:invalid", "i")
        yield* send("LPUSH", "qr:queue:wait", "ghost")
        const second = yield* queue.claim("qr", 1, "w1")
        assert.include(reported(second), "qr:queue:invalid: qr:queue:invalid was a string, not a list; renamed to qr:queue:invalid:corrupt:")
        assert.include(reported(second), "ghost: no record at qr:job:ghost")
        const invalid = (replyArray(yield* send("LRANGE", "qr:queue:invalid", "0", "-1")) ?? []).map(String)
        assert.deepStrictEqual(invalid, ["ghost\tno record at qr:job:ghost"])

        // Nothing was lost on the way: the next job is claimed as usual.
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } })
        const third = yield* queue.claim("qr", 1, "w1")
        assert.deepStrictEqual(third.jobs.map((j) => j.jobId), [jobId])
        assert.deepStrictEqual(third.invalid, [])
      })))

    it.live("enqueue refuses a bad retry policy with the reason", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const error = yield* Effect.flip(queue.enqueue({ domain: "qr", userId: 1n, payload: {}, backoffMs: -5 }))
        assert.include(error.message, "backoff must be a non-negative number of milliseconds, got -5")
      })))
  })
}
