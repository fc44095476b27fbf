/**
 * The task side of the cross-service rule (src/services/README.md): when a linked job's status changes
 * (`job.status_changed.v1` on jobs:bus), every task linked to it moves as `actionForJobs(task status,
 * statuses of ALL its linked jobs)` says, applied by the system (events carry no actor_user_id).
 *
 * Idempotent, because the bus delivers at least once: the statuses are read from the database, not
 * taken from the event, and a move the rules refuse (InvalidTransition on a replay, Conflict while
 * subtasks are open) is skipped. One transaction for the event; tasks are locked in id order so two
 * events touching the same tasks cannot deadlock.
 */
import { Effect, Result } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import type { JobStatusChangedV1 } from "../jobs/events.js"
import type { Outbox } from "../outbox/Outbox.js"
import { TaskRepository } from "./TaskRepository.js"
import { appendTaskEvents, statusChanged, type TaskEventDraft } from "./taskOutbox.js"
import { actionForJobs, type TaskAction, transition } from "./transitions.js"

/** Returns the ids of the tasks it moved (none on a replay). */
export const onJobStatusChanged = (
  event: Pick<typeof JobStatusChangedV1.Type, "job_id">
): Effect.Effect<ReadonlyArray<string>, SqlError.SqlError, SqlClient.SqlClient | TaskRepository | Outbox> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* TaskRepository
    return yield* sql.withTransaction(Effect.gen(function*() {
      const moved: Array<string> = []
      for (const taskId of yield* repo.tasksOfJob(event.job_id)) {
        const task = yield* repo.findForUpdate(taskId)
        if (task === undefined) continue
        const jobs = yield* repo.linkedJobs(task.id)
        const kind = actionForJobs(task.status, jobs.map((job) => job.status))
        if (kind === undefined) continue
        const action: TaskAction = kind === "complete"
          ? { kind, force: false, openSubtasks: yield* repo.countOpenChildren(task.id) }
          : { kind }
        const result = transition(task, action)
        if (Result.isFailure(result)) continue
        yield* repo.setStatus([task.id], result.success)
        const drafts: Array<TaskEventDraft> = [statusChanged(task, task.status, result.success)]
        if (kind === "complete") drafts.push({ type: "task.completed.v1", task_id: task.id, user_id: task.user_id, forced: false })
        yield* appendTaskEvents(undefined, drafts)
        moved.push(task.id)
      }
      return moved
    }))
  }).pipe(Effect.withSpan("TaskService.onJobStatusChanged"))
