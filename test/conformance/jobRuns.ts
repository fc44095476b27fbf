/**
 * Runs through the real runtime: the JobService enqueues, a real worker (startWorker) runs a tiny job,
 * and the run projection reads `{domain}:events:log` back into job_runs and job statuses. Run on the
 * embedded PGlite and on a real PostgreSQL with a real redis-server (consumer groups), and on the
 * in-memory Redis twin (which has none: the projection reads with XREAD from its recorded position).
 * Resuming and replaying are in ./jobProjectionReplay.ts.
 */
import { assert, layer } from "@effect/vitest"
import { DateTime, Deferred, Duration, Effect, type Layer, Ref } from "effect"
import { Producer } from "../../src/runtime/Producer.js"
import { JobService } from "../../src/services/jobs/JobService.js"
import { projectDomain } from "../../src/services/jobs/RunProjection.js"
import type { Database } from "../../src/sql/Database.js"
import { projectionReplayTests } from "./jobProjectionReplay.js"
import {
  finished,
  freshCast,
  jobEventsSince,
  jobServiceLayer,
  newUserId,
  outboxMark,
  runtimeFor,
  summary,
  waitFor
} from "./jobServiceSupport.js"

const retriedThenCompleted = Effect.gen(function*() {
  const jobs = yield* JobService
  const { domain, probe } = yield* runtimeFor()
  const cast = freshCast()
  const job = yield* jobs.create(cast.owner, { domain, name: "flaky", payload: { mode: "fail-once" }, max_attempts: 3 })
  const mark = yield* outboxMark
  yield* jobs.start(cast.owner, job.id)
  const done = yield* waitFor(jobs.get(cast.owner, job.id), finished, "the job to finish")
  assert.strictEqual(done.status, "succeeded")
  assert.strictEqual(done.attempts, 2)
  const runs = yield* jobs.history(cast.owner, job.id)
  assert.deepStrictEqual(runs.map((run) => [run.attempt, run.outcome]), [[1, "retrying"], [2, "succeeded"]])
  const [first, second] = runs
  assert.include(first?.error ?? "", "dependency unavailable (attempt 1)")
  assert.strictEqual(second?.error, null)
  assert.notStrictEqual(first?.execution_id, second?.execution_id)
  for (const run of runs) {
    assert.isNotNull(run.ended_at)
    assert.isAtLeast(run.duration_ms ?? -1, 0)
    assert.isTrue(DateTime.toEpochMillis(run.started_at) <= DateTime.toEpochMillis(run.ended_at ?? run.started_at))
  }
  // The retry starts after the first attempt ended.
  assert.isTrue(DateTime.toEpochMillis(second?.started_at ?? DateTime.makeUnsafe(0)) >= DateTime.toEpochMillis(first?.ended_at ?? DateTime.makeUnsafe(0)))
  const runtimeId = `svc-${job.id}-1`
  assert.deepStrictEqual(yield* Ref.get(probe.attempts), [runtimeId, runtimeId])
  // Retrying keeps the job running: one move in, one move out, and no failure announced.
  assert.deepStrictEqual(summary(yield* jobEventsSince(mark, job.id)), [
    "job.status_changed.v1 pending->running",
    "job.started.v1",
    "job.status_changed.v1 running->succeeded",
    "job.succeeded.v1"
  ])
})

export const jobRunsSuite = (name: string, database: Layer.Layer<Database, unknown>, redis: "server" | "memory" = "server") =>
  layer(jobServiceLayer(database, redis), { excludeTestServices: true, timeout: "120 seconds" })(`job runs on ${name} (${redis} Redis)`, (it) => {
    it.effect("start runs the job through a real worker, and history shows the run", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const { domain } = yield* runtimeFor()
        const cast = freshCast()
        const job = yield* jobs.create(cast.owner, { domain, name: "once", payload: { mode: "ok" } })
        const mark = yield* outboxMark
        const started = yield* jobs.start(cast.owner, job.id)
        assert.strictEqual(started.status, "running")
        const done = yield* waitFor(jobs.get(cast.owner, job.id), finished, "the job to finish")
        assert.strictEqual(done.status, "succeeded")
        assert.strictEqual(done.attempts, 1)
        const runs = yield* jobs.history(cast.owner, job.id)
        assert.strictEqual(runs.length, 1)
        const run = runs[0]
        assert.deepStrictEqual([run?.job_id, run?.attempt, run?.outcome, run?.error], [job.id, 1, "succeeded", null])
        assert.match(run?.execution_id ?? "", new RegExp(`^${domain}:\\d+-\\d+$`))
        const events = yield* jobEventsSince(mark, job.id)
        assert.deepStrictEqual(summary(events), [
          "job.status_changed.v1 pending->running",
          "job.started.v1",
          "job.status_changed.v1 running->succeeded",
          "job.succeeded.v1"
        ])
        // What the runtime caused carries no actor; what the owner did does.
        assert.deepStrictEqual(events.map((event) => event.actor_user_id), [cast.owner.userId, cast.owner.userId, undefined, undefined])
        const succeeded = events[3]
        assert.deepStrictEqual(succeeded?.type === "job.succeeded.v1" ? succeeded.result : undefined, {
          result_id: `result-svc-${job.id}-1`,
          result_bytes: 12
        })
      }).pipe(Effect.scoped))

    it.effect("THE RUN HISTORY OF A JOB THAT WAS RETRIED AND THEN COMPLETED: attempt 1 retrying, attempt 2 succeeded, job succeeded", () =>
      retriedThenCompleted.pipe(Effect.scoped))

    it.effect("a user error ends the run and the job as failed, with the error", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const { domain } = yield* runtimeFor()
        const cast = freshCast()
        const job = yield* jobs.create(cast.owner, { domain, name: "bad", payload: { mode: "user-error" } })
        const mark = yield* outboxMark
        yield* jobs.start(cast.owner, job.id)
        const done = yield* waitFor(jobs.get(cast.owner, job.id), finished, "the job to finish")
        assert.strictEqual(done.status, "failed")
        const runs = yield* jobs.history(cast.owner, job.id)
        assert.deepStrictEqual(runs.map((run) => [run.attempt, run.outcome, run.error]), [[1, "failed", "bad input"]])
        const events = yield* jobEventsSince(mark, job.id)
        assert.deepStrictEqual(summary(events).slice(-2), ["job.status_changed.v1 running->failed", "job.failed.v1"])
        const failed = events.at(-1)
        assert.strictEqual(failed?.type === "job.failed.v1" ? failed.error : "", "bad input")
      }).pipe(Effect.scoped))

    it.effect("an `at` schedule fires through the runtime: scheduled -> running -> succeeded", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const { domain } = yield* runtimeFor()
        const cast = freshCast()
        const job = yield* jobs.create(cast.owner, { domain, name: "soon", payload: { mode: "ok" } })
        const mark = yield* outboxMark
        yield* jobs.schedule(cast.owner, job.id, { kind: "at", run_at: DateTime.makeUnsafe(Date.now() + 300) })
        const done = yield* waitFor(jobs.get(cast.owner, job.id), finished, "the scheduled job to finish")
        assert.strictEqual(done.status, "succeeded")
        assert.deepStrictEqual((yield* jobs.history(cast.owner, job.id)).map((run) => run.outcome), ["succeeded"])
        assert.deepStrictEqual(summary(yield* jobEventsSince(mark, job.id)), [
          "job.status_changed.v1 pending->scheduled",
          "job.scheduled.v1",
          "job.status_changed.v1 scheduled->running",
          "job.started.v1",
          "job.status_changed.v1 running->succeeded",
          "job.succeeded.v1"
        ])
      }).pipe(Effect.scoped))

    it.effect("cancel of a running job interrupts its fiber; the run ends cancelled and the job stays cancelled", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const { domain, probe } = yield* runtimeFor()
        const cast = freshCast()
        const job = yield* jobs.create(cast.owner, { domain, name: "forever", payload: { mode: "hang" } })
        yield* jobs.start(cast.owner, job.id)
        const runtimeId = yield* Deferred.await(probe.hanging).pipe(Effect.timeout(Duration.seconds(15)))
        assert.strictEqual(runtimeId, `svc-${job.id}-1`)
        yield* waitFor(jobs.history(cast.owner, job.id), (runs) => runs.length === 1, "the run to be projected")
        const mark = yield* outboxMark
        const cancelled = yield* jobs.cancel(cast.owner, job.id, "taking too long")
        assert.strictEqual(cancelled.status, "cancelled")
        assert.strictEqual(yield* Deferred.await(probe.interrupted).pipe(Effect.timeout(Duration.seconds(15))), runtimeId)
        const runs = yield* waitFor(
          jobs.history(cast.owner, job.id),
          (found) => found[0]?.outcome !== "running",
          "the run to end"
        )
        assert.deepStrictEqual(runs.map((run) => [run.outcome, run.error]), [["cancelled", "cancelled by request"]])
        assert.strictEqual((yield* jobs.get(cast.owner, job.id)).status, "cancelled")
        // The cancel announced itself; the runtime's report of it moved nothing more.
        assert.deepStrictEqual(summary(yield* jobEventsSince(mark, job.id)), ["job.status_changed.v1 running->cancelled", "job.cancelled.v1"])
      }).pipe(Effect.scoped))

    it.effect("a runtime-only job (enqueued straight through the queue, before the projection ran) appears, owned by its user", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const producer = yield* Producer
        const { domain } = yield* runtimeFor({ projection: false })
        const cast = freshCast()
        const userId = newUserId()
        const user = { userId, roles: ["user" as const] }
        const { jobId } = yield* producer.enqueueJson(domain, { mode: "fail-once" }, { userId, jobId: "direct-1", maxAttempts: 2 })
        const outcome = yield* producer.awaitOutcome(domain, jobId, { timeout: Duration.seconds(15) })
        assert.strictEqual(outcome._tag, "Completed")
        const mark = yield* outboxMark
        // The projection starts after the job finished: its group reads the log from the start.
        yield* projectDomain(domain, { blockMs: 100 })
        const listed = yield* waitFor(jobs.list(cast.operator, { domain }), (page) => page.items.some(finished), "the job to appear")
        const job = listed.items[0]
        if (job === undefined) return yield* Effect.die("no job")
        assert.deepStrictEqual(
          [job.name, job.user_id, job.status, job.attempts, job.max_attempts, job.runtime_job_id, job.payload],
          ["direct-1", userId, "succeeded", 2, 2, `${domain}:job:direct-1`, { mode: "fail-once" }]
        )
        assert.deepStrictEqual(yield* jobs.get(user, job.id), job)
        assert.strictEqual((yield* Effect.flip(jobs.get(cast.other, job.id)))._tag, "NotFound")
        assert.deepStrictEqual((yield* jobs.history(user, job.id)).map((run) => run.outcome), ["retrying", "succeeded"])
        const events = yield* jobEventsSince(mark, job.id)
        assert.deepStrictEqual(summary(events), [
          "job.created.v1",
          "job.started.v1",
          "job.status_changed.v1 running->succeeded",
          "job.succeeded.v1"
        ])
        assert.deepStrictEqual(events.map((event) => [event.user_id, event.actor_user_id]), Array.from({ length: 4 }, () => [userId, undefined]))
      }).pipe(Effect.scoped))

    it.effect("a cron occurrence fired by the runtime's scheduler runs the job, which goes back to scheduled", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const producer = yield* Producer
        const { domain } = yield* runtimeFor()
        const cast = freshCast()
        const job = yield* jobs.create(cast.owner, {
          domain,
          name: "nightly",
          payload: { mode: "ok" },
          schedule: { kind: "cron", cron: "0 3 * * *" }
        })
        const mark = yield* outboxMark
        // What the scheduler enqueues for an occurrence (Schedules.ts: repeat:<schedule name>:<epoch ms>).
        const occurrence = `repeat:job-${job.id}:${Date.now()}`
        yield* producer.enqueueJson(domain, job.payload, { userId: job.user_id, jobId: occurrence })
        const ran = yield* waitFor(jobs.history(cast.owner, job.id), (runs) => runs[0]?.outcome === "succeeded", "the occurrence to run")
        assert.strictEqual(ran.length, 1)
        const after = yield* jobs.get(cast.owner, job.id)
        assert.deepStrictEqual([after.status, after.runtime_job_id, after.attempts], ["scheduled", `${domain}:job:${occurrence}`, 1])
        assert.deepStrictEqual(summary(yield* jobEventsSince(mark, job.id)), [
          "job.status_changed.v1 scheduled->running",
          "job.started.v1",
          "job.status_changed.v1 running->scheduled",
          "job.succeeded.v1"
        ])
      }).pipe(Effect.scoped))

    projectionReplayTests(it, redis)
  })
