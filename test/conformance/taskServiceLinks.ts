/**
 * Jobs linked to tasks: linking checks the job's visibility (a job the actor may not see is NotFound),
 * and the cross-service rule moves linked tasks as their jobs' statuses change (onJobStatusChanged).
 */
import { assert, describe, type Vitest } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { onJobStatusChanged } from "../../src/services/tasks/onJobStatusChanged.js"
import { TaskService } from "../../src/services/tasks/TaskService.js"
import { eventsSince, freshCast, insertJob, outboxMark, outcome, setJobStatus, summary, type taskServiceLayer } from "./taskServiceSupport.js"

export const taskLinkTests = (it: Vitest.MethodsNonLive<Layer.Success<ReturnType<typeof taskServiceLayer>>>) =>
describe("linked jobs", () => {
    it.effect("link needs a job the actor sees; linking twice is a Conflict; unlinking an unlinked job is NotFound", () =>
      Effect.gen(function*() {
        const tasks = yield* TaskService
        const cast = freshCast()
        const task = yield* tasks.create(cast.owner, { title: "linking" })
        const mine = yield* insertJob(cast.owner.userId)
        const theirs = yield* insertJob(cast.other.userId)
        assert.strictEqual(yield* outcome(tasks.linkJob(cast.owner, task.id, theirs)), "NotFound")
        assert.strictEqual(yield* outcome(tasks.linkJob(cast.owner, task.id, "00000000-0000-4000-8000-000000000001")), "NotFound")
        const mark = yield* outboxMark
        assert.deepStrictEqual((yield* tasks.linkJob(cast.owner, task.id, mine)).job_ids, [mine])
        assert.strictEqual(yield* outcome(tasks.linkJob(cast.owner, task.id, mine)), "Conflict")
        assert.deepStrictEqual((yield* tasks.linkJob(cast.operator, task.id, theirs)).job_ids.length, 2)
        assert.deepStrictEqual((yield* tasks.unlinkJob(cast.owner, task.id, theirs)).job_ids, [mine])
        assert.strictEqual(yield* outcome(tasks.unlinkJob(cast.owner, task.id, theirs)), "NotFound")
        assert.deepStrictEqual(summary(yield* eventsSince(mark)), Array(3).fill(`task.updated.v1 ${task.id}`))
      }))

    it.effect("onJobStatusChanged: running starts the task, all succeeded completes it, as the system and idempotently", () =>
      Effect.gen(function*() {
        const tasks = yield* TaskService
        const { owner } = freshCast()
        const train = yield* insertJob(owner.userId)
        const exportJob = yield* insertJob(owner.userId)
        const task = yield* tasks.create(owner, { title: "train then export", job_ids: [train, exportJob] })
        const other = yield* tasks.create(owner, { title: "only export", job_ids: [exportJob] })
        const mark = yield* outboxMark
        yield* setJobStatus(train, "running")
        assert.deepStrictEqual(yield* onJobStatusChanged({ job_id: train }), [task.id])
        assert.strictEqual((yield* tasks.get(owner, task.id)).status, "in_progress")
        assert.deepStrictEqual(yield* onJobStatusChanged({ job_id: train }), [])
        const started = yield* eventsSince(mark)
        assert.deepStrictEqual(summary(started), [`task.status_changed.v1 ${task.id}`])
        assert.isFalse(started[0] === undefined || "actor_user_id" in started[0])

        yield* setJobStatus(train, "succeeded")
        assert.deepStrictEqual(yield* onJobStatusChanged({ job_id: train }), [])
        yield* setJobStatus(exportJob, "succeeded")
        const mark2 = yield* outboxMark
        assert.deepStrictEqual([...(yield* onJobStatusChanged({ job_id: exportJob }))].sort(), [task.id, other.id].sort())
        assert.strictEqual((yield* tasks.get(owner, task.id)).status, "done")
        assert.strictEqual((yield* tasks.get(owner, other.id)).status, "done")
        assert.strictEqual((yield* eventsSince(mark2)).length, 4)
        assert.deepStrictEqual(yield* onJobStatusChanged({ job_id: exportJob }), [])
      }))

    it.effect("onJobStatusChanged: a failure with nothing left running stops the task; open subtasks keep it from completing", () =>
      Effect.gen(function*() {
        const tasks = yield* TaskService
        const { owner } = freshCast()
        const job = yield* insertJob(owner.userId, "running")
        const task = yield* tasks.create(owner, { title: "flaky", job_ids: [job] })
        yield* onJobStatusChanged({ job_id: job })
        yield* setJobStatus(job, "failed")
        yield* onJobStatusChanged({ job_id: job })
        assert.strictEqual((yield* tasks.get(owner, task.id)).status, "open")
        yield* tasks.createSubtask(owner, task.id, { title: "still open" })
        yield* setJobStatus(job, "succeeded")
        assert.deepStrictEqual(yield* onJobStatusChanged({ job_id: job }), [])
        assert.strictEqual((yield* tasks.get(owner, task.id)).status, "open")
      }))
  })
