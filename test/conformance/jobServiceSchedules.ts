/**
 * What the JobService hands to the runtime (a real redis-server): `at` schedules as delayed runs,
 * cron schedules registered with the runtime's scheduler, and the job side of the cross-service rule
 * (`task.cancelled` cancels linked jobs that have not started, releasing what the runtime holds).
 */
import { assert, describe, type Vitest } from "@effect/vitest"
import { DateTime, Effect, type Layer } from "effect"
import { queueKeys } from "../../src/contracts/Keys.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { replyRecord } from "../../src/redis/RedisReply.js"
import { listSchedules } from "../../src/runtime/Schedules.js"
import { JobService } from "../../src/services/jobs/JobService.js"
import { onTaskCancelled } from "../../src/services/jobs/TaskCancelled.js"
import { freshCast, freshDomain, insertTask, jobEventsSince, type jobServiceLayer, outboxMark, summary } from "./jobServiceSupport.js"

type It = Vitest.MethodsNonLive<Layer.Success<ReturnType<typeof jobServiceLayer>>>

export const jobScheduleTests = (it: It) =>
  describe("schedules", () => {
    it.effect("an `at` schedule is a delayed runtime job; rescheduling replaces it; create with a schedule starts scheduled", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const redis = yield* RedisClient
        const cast = freshCast()
        const domain = freshDomain()
        const job = yield* jobs.create(cast.owner, { domain, name: "later", payload: { mode: "ok" } })
        const runAt = DateTime.makeUnsafe(Date.now() + 3_600_000)
        const mark = yield* outboxMark
        const scheduled = yield* jobs.schedule(cast.owner, job.id, { kind: "at", run_at: runAt })
        assert.strictEqual(scheduled.status, "scheduled")
        assert.deepStrictEqual(scheduled.schedule, { kind: "at", run_at: runAt })
        const first = `svc-${job.id}-1`
        assert.strictEqual(scheduled.runtime_job_id, `${domain}:job:${first}`)
        assert.strictEqual(Number(yield* redis.send("ZSCORE", queueKeys(domain).delayed, first)), DateTime.toEpochMillis(runAt))
        const events = yield* jobEventsSince(mark, job.id)
        assert.deepStrictEqual(summary(events), ["job.status_changed.v1 pending->scheduled", "job.scheduled.v1"])
        const announced = events[1]
        assert.strictEqual(announced?.type === "job.scheduled.v1" ? announced.run_at?.slice(0, 23) : "", DateTime.formatIso(runAt).slice(0, 23))

        const later = DateTime.makeUnsafe(Date.now() + 7_200_000)
        const moved = yield* jobs.schedule(cast.owner, job.id, { kind: "at", run_at: later })
        assert.strictEqual(moved.runtime_job_id, `${domain}:job:svc-${job.id}-2`)
        assert.strictEqual(yield* redis.send("ZSCORE", queueKeys(domain).delayed, first), null)
        assert.strictEqual(replyRecord(yield* redis.send("HGETALL", `${domain}:job:${first}`))?.["status"], "failed")

        const direct = yield* jobs.create(cast.owner, { domain, name: "born scheduled", schedule: { kind: "at", run_at: later } })
        assert.strictEqual(direct.status, "scheduled")
        assert.strictEqual(direct.runtime_job_id, `${domain}:job:svc-${direct.id}-1`)
      }))

    it.effect("a cron schedule is registered with the runtime's scheduler and removed on cancel; only UTC cron is accepted", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const cast = freshCast()
        const domain = freshDomain()
        const job = yield* jobs.create(cast.owner, { domain, name: "nightly", payload: { mode: "ok" }, max_attempts: 2 })
        const zoned = yield* Effect.flip(jobs.schedule(cast.owner, job.id, { kind: "cron", cron: "0 3 * * *", timezone: "Europe/Paris" }))
        assert.deepStrictEqual(zoned._tag === "Validation" ? zoned.field : "", "schedule.timezone")
        const bad = yield* Effect.flip(jobs.schedule(cast.owner, job.id, { kind: "cron", cron: "every day" }))
        assert.strictEqual(bad._tag, "Validation")
        assert.strictEqual((yield* jobs.get(cast.owner, job.id)).status, "pending")

        const scheduled = yield* jobs.schedule(cast.owner, job.id, { kind: "cron", cron: "0 3 * * *", timezone: "UTC" })
        assert.strictEqual(scheduled.status, "scheduled")
        const stored = yield* listSchedules(domain)
        assert.deepStrictEqual(stored.schedules.map((spec) => [spec.name, spec.cron, spec.user_id, spec.max_attempts, spec.payload]), [
          [`job-${job.id}`, "0 3 * * *", cast.owner.userId, 2, { mode: "ok" }]
        ])
        // A changed payload reaches the runtime's schedule.
        yield* jobs.update(cast.owner, job.id, { payload: { mode: "fail-once" } })
        assert.deepStrictEqual((yield* listSchedules(domain)).schedules.map((spec) => spec.payload), [{ mode: "fail-once" }])
        yield* jobs.cancel(cast.owner, job.id, "stop it")
        assert.deepStrictEqual((yield* listSchedules(domain)).schedules, [])
      }))
  })

export const jobTaskRuleTests = (it: It) =>
  describe("task.cancelled (cross-service rule)", () => {
    it.effect("cancels the task's pending and scheduled jobs as the system, leaves running ones, and is idempotent", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const redis = yield* RedisClient
        const cast = freshCast()
        const domain = freshDomain()
        const task = yield* insertTask(cast.owner.userId)
        const other = yield* insertTask(cast.owner.userId)
        const pending = yield* jobs.create(cast.owner, { domain, name: "pending", task_ids: [task] })
        const scheduled = yield* jobs.create(cast.owner, {
          domain,
          name: "scheduled",
          task_ids: [task, other],
          schedule: { kind: "at", run_at: DateTime.makeUnsafe(Date.now() + 3_600_000) }
        })
        const running = yield* jobs.create(cast.owner, { domain, name: "running", task_ids: [task] })
        yield* jobs.start(cast.owner, running.id)
        const unrelated = yield* jobs.create(cast.owner, { domain, name: "unrelated", task_ids: [other] })
        const mark = yield* outboxMark
        const event = {
          type: "task.cancelled.v1" as const,
          event_id: "3e9a2c1d-7b6f-4e5a-9c8d-1f2e3d4c5b6a",
          occurred_at: "2026-12-07T07:39:33.731000+00:00",
          task_id: task,
          user_id: cast.owner.userId,
          reason: "plan changed"
        }
        const cancelled = yield* onTaskCancelled(event).pipe(Effect.orDie)
        assert.deepStrictEqual([...cancelled].sort(), [pending.id, scheduled.id].sort())
        const statuses = yield* Effect.forEach([pending, scheduled, running, unrelated], (job) => jobs.get(cast.owner, job.id))
        assert.deepStrictEqual(statuses.map((job) => job.status), ["cancelled", "cancelled", "running", "pending"])
        // The waiting run of the scheduled job is gone from the runtime.
        assert.strictEqual(yield* redis.send("ZSCORE", queueKeys(domain).delayed, `svc-${scheduled.id}-1`), null)
        const events = yield* jobEventsSince(mark)
        assert.deepStrictEqual(
          events.map((e) => `${e.job_id} ${e.type} ${e.actor_user_id ?? "system"} ${e.type === "job.cancelled.v1" ? e.reason : ""}`).sort(),
          [
            `${pending.id} job.cancelled.v1 system task ${task} cancelled: plan changed`,
            `${pending.id} job.status_changed.v1 system `,
            `${scheduled.id} job.cancelled.v1 system task ${task} cancelled: plan changed`,
            `${scheduled.id} job.status_changed.v1 system `
          ].sort()
        )
        // The bus delivers at least once: a second delivery changes nothing.
        const mark2 = yield* outboxMark
        assert.deepStrictEqual(yield* onTaskCancelled(event).pipe(Effect.orDie), [])
        assert.deepStrictEqual(yield* jobEventsSince(mark2), [])
      }))
  })
