/**
 * "Never lose a job" on one Redis layer: leases and recovery, fencing, retries, delays and
 * cancellation. Dead letter, retention, repeatable jobs and bad input are in reliabilityQueue.ts.
 * Leases are short (300 ms) so expiry happens within a test.
 */
import { assert, describe, it } from "@effect/vitest"
import { stringifyWire } from "../../src/contracts/WireJson.js"
import { Deferred, Effect, type Layer, Ref } from "effect"
import { cancelJob, cancelledMessage } from "../../src/runtime/Cancellation.js"
import { JobContext } from "../../src/runtime/JobContext.js"
import { JobQueue } from "../../src/runtime/JobQueue.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { startWorker } from "../../src/runtime/Worker.js"
import { makeProbe, testJob } from "../support/TestJobs.js"
import {
  assertStartsWith, eventsOf, eventually, fieldOf, loadRecord, makeRun, rawHash, recordWhere, waitForStatus
} from "./reliabilitySupport.js"
import { reliabilityQueueTests } from "./reliabilityQueue.js"

const leaseMs = 300

/** Claims one job as a worker that then goes silent (never heartbeats, never finishes). */
const claimAndVanish = (workerId: string) =>
  Effect.gen(function*() {
    const claimed = yield* (yield* JobQueue).claim("qr", 1, workerId)
    const job = claimed.jobs[0]
    assert.isDefined(job, `${workerId} claimed nothing`)
    return job ?? (yield* Effect.die("unreachable"))
  })

export const reliabilitySuite = (name: string, redis: Layer.Layer<RedisClient>) =>
  describe(`reliability on ${name}`, () => {
    const run = makeRun(redis, RuntimeConfig.layerWith({ leaseMs, defaultBackoffMs: 20, retentionMs: 0 }))

    it.live("lease: a worker that stops heartbeating loses its job to recovery, which counts the attempt", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 3n, payload: { kind: "ok" } })
        const silent = yield* claimAndVanish("silent-worker")
        assert.strictEqual(silent.executionId, "silent-worker/1")
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 1 })
        const done = yield* waitForStatus(jobId, "completed")
        assert.strictEqual(done.attempt, 2)
        assert.notStrictEqual(done.executionId, silent.executionId)
        const messages = (yield* eventsOf(jobId)).map((e) => fieldOf(e, "message"))
        assert.include(messages, "lease expired on attempt 1 of 3; requeued")
      })))

    it.live("lease: a job that keeps losing its worker ends in the dead letter after max attempts", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 3n, payload: { kind: "ok" }, maxAttempts: 2 })
        for (const worker of ["w1", "w2"]) {
          yield* claimAndVanish(worker)
          yield* eventually("lease expiry", queue.recoverExpired("qr").pipe(
            Effect.map((r) => (r.requeued.includes(jobId) || r.dead.includes(jobId) ? true : undefined))
          ))
        }
        const record = yield* waitForStatus(jobId, "failed")
        assert.strictEqual(record.errorKind, "system")
        assert.strictEqual(record.lastError, "lease expired on attempt 2 of 2; moved to dead letter")
        assert.strictEqual((yield* queue.counts("qr")).dead, 1)
      })))

    it.live("fencing: a late completion from an attempt whose lease was lost is refused", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 5n, payload: { kind: "ok" } })
        const first = yield* claimAndVanish("slow-worker")
        yield* eventually("recovery", queue.recoverExpired("qr").pipe(Effect.map((r) => (r.requeued.length > 0 ? true : undefined))))
        const second = yield* claimAndVanish("fast-worker")
        assert.strictEqual(second.attempt, 2)
        const info = { domain: "qr", jobId, userId: 5n, queue: "qr", maxAttempts: 3 } as const
        const late = yield* JobContext.make({ ...info, executionId: first.executionId, attempt: first.attempt })
        // Progress is pipelined: the stale write is queued, refused by the fence, and reported by the next publish.
        yield* late.publishProgress(77, "stale progress")
        const refused = yield* Effect.flip(late.publishCompleted({ resultId: "stale", resultBytes: 1 }))
        assert.strictEqual(refused._tag, "LeaseLost")
        assert.notStrictEqual((yield* loadRecord(jobId))?.status.progress, 77)
        assert.isFalse((yield* eventsOf(jobId)).some((e) => fieldOf(e, "message") === "stale progress"))
        const renewal = yield* queue.extendLeases("qr", [{ jobId, executionId: first.executionId }])
        assert.deepStrictEqual(renewal.lost, [jobId])
        assert.strictEqual((yield* loadRecord(jobId))?.status.status, "processing")
        const owner = yield* JobContext.make({ ...info, executionId: second.executionId, attempt: second.attempt })
        yield* owner.publishCompleted({ resultId: "fresh", resultBytes: 2 })
        const record = yield* waitForStatus(jobId, "completed")
        assert.strictEqual(record.resultId, "fresh")
        const completed = (yield* eventsOf(jobId)).filter((e) => fieldOf(e, "type") === "qr.job.completed.v1")
        assert.strictEqual(completed.length, 1)
      })))

    it.live("fencing within one call: a job's changes apply in order, and none after its final change", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 5n, payload: { kind: "ok" } })
        const job = yield* claimAndVanish("w1")
        const post = yield* queue.changes("qr")
        const change = (kind: "update" | "completed", event: object, fields: ReadonlyArray<string>) =>
          post({ kind, jobId, executionId: job.executionId, event: stringifyWire(event), fields })
        const base = { domain: "qr", job_id: jobId, user_id: 5n }
        // Posted in one go, so the batcher sends them in one call.
        const answers = [
          change("update", { type: "qr.job.progress.v1", ...base, progress: 40, message: "forty" }, ["progress", "40", "message", "forty"]),
          change("update", { type: "qr.job.progress.v1", ...base, progress: 60 }, ["progress", "60"]),
          change("completed", { type: "qr.job.completed.v1", ...base, result_id: "r1", result_bytes: 1 }, [
            "status", "completed", "progress", "100", "message", "completed", "result_id", "r1", "result_bytes", "1"
          ]),
          change("update", { type: "qr.job.progress.v1", ...base, progress: 70 }, ["progress", "70", "status", "processing"]),
          change("completed", { type: "qr.job.completed.v1", ...base, result_id: "r2", result_bytes: 2 }, ["result_id", "r2"])
        ]
        const applied = yield* Effect.forEach(answers, Deferred.await)
        assert.deepStrictEqual(applied, [true, true, true, false, false])
        const record = yield* loadRecord(jobId)
        assert.deepStrictEqual(
          [record?.status.status, record?.status.progress, record?.status.message, record?.resultId],
          ["completed", 100, "completed", "r1"]
        )
        const events = (yield* eventsOf(jobId)).map((e) => `${String(fieldOf(e, "type"))}:${String(fieldOf(e, "progress") ?? fieldOf(e, "result_id"))}`)
        assert.deepStrictEqual(events, [
          "qr.job.started.v1:undefined", "qr.job.progress.v1:40", "qr.job.progress.v1:60", "qr.job.completed.v1:r1"
        ])
      })))

    it.live("retry: a system error waits in the delayed set; the record shows attempt, next run time and last error", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 1 })
        const before = Date.now()
        const { jobId } = yield* queue.enqueue({
          domain: "qr", userId: 1n, payload: { kind: "system-error" }, maxAttempts: 3, backoffMs: 60_000
        })
        const record = yield* recordWhere(jobId, "waiting for retry", (r) => r.status.status === "queued" && r.attempt === 1)
        assert.strictEqual(record.lastError, "dependency unavailable")
        assert.isAbove(record.nextRunAt ?? 0, before + 40_000)
        const counts = yield* queue.counts("qr")
        assert.deepStrictEqual([counts.delayed, counts.active, counts.waiting], [1, 0, 0])
        const messages = (yield* eventsOf(jobId)).map((e) => String(fieldOf(e, "message") ?? ""))
        assert.isTrue(messages.some((m) => m.startsWith("retrying after system error (attempt 1 of 3 failed): dependency unavailable")))
      })))

    it.live("retry: user errors retry only when the job asks for it, then end in the dead letter", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 2 })
        const retried = yield* queue.enqueue({
          domain: "qr", userId: 1n, payload: { kind: "user-error" }, maxAttempts: 2, retryOn: ["user", "system"]
        })
        const never = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "system-error" }, retryOn: [] })
        const dead = yield* waitForStatus(retried.jobId, "failed")
        assert.deepStrictEqual([dead.attempt, dead.errorKind], [2, "user"])
        const once = yield* waitForStatus(never.jobId, "failed")
        assert.deepStrictEqual([once.attempt, once.errorKind], [1, "system"])
        assert.strictEqual((yield* queue.counts("qr")).dead, 1)
      })))

    it.live("delay: a job with runAt waits in the delayed set and starts no earlier", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const runAt = Date.now() + 400
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" }, runAt })
        const counts = yield* queue.counts("qr")
        assert.deepStrictEqual([counts.delayed, counts.waiting], [1, 0])
        assert.strictEqual((yield* loadRecord(jobId))?.nextRunAt, runAt)
        // A claim that comes back short says when the next delayed job is due (by the server's clock).
        const short = yield* queue.claim("qr", 1, "early-worker")
        assert.strictEqual(short.jobs.length, 0)
        assert.isTrue(short.nextDelayedInMs !== undefined && short.nextDelayedInMs > 0 && short.nextDelayedInMs <= 400, `${short.nextDelayedInMs}`)
        // The idle wait is 5 s, so a start within it shows the worker woke for the due time.
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 1, idleWaitMs: 5_000 })
        yield* waitForStatus(jobId, "completed")
        assert.isAtLeast(Date.now(), runAt)
        assert.isBelow(Date.now() - runAt, 1_500)
        const empty = yield* queue.claim("qr", 1, "late-worker")
        assert.deepStrictEqual([empty.jobs.length, empty.nextDelayedInMs], [0, undefined])
      })))

    it.live("cancel: a queued and a delayed job are removed and failed as user errors with a failed event", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const waiting = yield* queue.enqueue({ domain: "qr", userId: 8n, payload: { kind: "ok" } })
        const delayed = yield* queue.enqueue({ domain: "qr", userId: 8n, payload: { kind: "ok" }, runAt: Date.now() + 60_000 })
        for (const { jobId } of [waiting, delayed]) {
          const result = yield* cancelJob("qr", jobId)
          assert.deepStrictEqual([result.outcome, result.previousStatus], ["cancelled", "queued"])
          const record = yield* loadRecord(jobId)
          assert.deepStrictEqual([record?.status.status, record?.errorKind], ["failed", "user"])
          assertStartsWith(record?.status.error, "cancelled")
          const events = yield* eventsOf(jobId)
          assert.deepStrictEqual(events.at(-1), {
            type: "qr.job.failed.v1", domain: "qr", job_id: jobId, user_id: 8n, error_kind: "user", message: cancelledMessage
          })
        }
        const counts = yield* queue.counts("qr")
        assert.deepStrictEqual([counts.waiting, counts.delayed], [0, 0])
        assert.strictEqual((yield* cancelJob("qr", waiting.jobId)).outcome, "finished")
        const missing = yield* Effect.flip(cancelJob("qr", "no-such-job"))
        assert.strictEqual(missing._tag, "JobNotFound")
        assert.include(missing.message, "no job no-such-job in domain qr")
      })))

    it.live("cancel: a running job is interrupted through the control channel, its finalizer runs", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const probe = yield* makeProbe
        yield* startWorker(testJob(probe), { concurrency: 2 })
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 2n, payload: { kind: "hang" } })
        yield* waitForStatus(jobId, "processing")
        yield* eventually("job running", Ref.get(probe.current).pipe(Effect.map((n) => (n > 0 ? true : undefined))))
        const result = yield* cancelJob("qr", jobId)
        assert.strictEqual(result.outcome, "requested")
        const record = yield* waitForStatus(jobId, "failed")
        assert.strictEqual(record.errorKind, "user")
        assertStartsWith(record.status.error, "cancelled")
        assert.include(yield* Ref.get(probe.finalized), jobId)
        assert.strictEqual((yield* queue.counts("qr")).active, 0)
      })))

    it.live("cancel: a worker that missed the control message stops the job at its next lease renewal", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const probe = yield* makeProbe
        yield* startWorker(testJob(probe), { concurrency: 1 })
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 2n, payload: { kind: "hang" } })
        yield* waitForStatus(jobId, "processing")
        // The flag alone, as if the published message never arrived.
        yield* (yield* RedisClient).send("HSET", `qr:job:${jobId}`, "cancel_requested", "1")
        const record = yield* waitForStatus(jobId, "failed")
        assertStartsWith(record.status.error, "cancelled")
        assert.include(yield* Ref.get(probe.finalized), jobId)
      })))

    it.live("cancel: a running job whose worker died is failed as cancelled by the recovery sweep, not run again", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 2n, payload: { kind: "ok" } })
        yield* claimAndVanish("dead-worker")
        assert.strictEqual((yield* cancelJob("qr", jobId)).outcome, "requested")
        const recovered = yield* eventually("recovery", queue.recoverExpired("qr").pipe(
          Effect.map((r) => (r.cancelled.length > 0 ? r : undefined))
        ))
        assert.deepStrictEqual([...recovered.cancelled], [jobId])
        const record = yield* loadRecord(jobId)
        assert.deepStrictEqual([record?.status.status, record?.errorKind], ["failed", "user"])
        assertStartsWith(record?.status.error, "cancelled")
        assert.strictEqual((yield* rawHash(jobId))["execution_id"], "")
        assert.strictEqual((yield* queue.counts("qr")).waiting, 0)
      })))

    reliabilityQueueTests(redis)
  })
