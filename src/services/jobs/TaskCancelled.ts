/**
 * The job side of the cross-service rule (src/services/README.md): when a task is cancelled
 * (`task.cancelled.v1` on `tasks:bus`), its linked jobs that have not started (`jobsToCancel`:
 * pending and scheduled) are cancelled, as the system (no `actor_user_id`). A running job is left to
 * finish: interrupting work because a plan changed is the operator's call.
 *
 * Each job is cancelled in its own transaction (row-locked, re-checked, its events in the outbox, its
 * waiting run or cron schedule released in the runtime). The bus delivers at least once, so this is
 * idempotent: a job already cancelled, or that started meanwhile, is left as it is. A SqlError is
 * returned (not swallowed) so the bus consumer redelivers the event. The subscription that calls
 * `onTaskBusEvent` is ../outbox/BusSubscriptions.ts.
 */
import { Effect } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { Outbox } from "../outbox/Outbox.js"
import type { TaskBusEvent, TaskCancelledV1 } from "../tasks/events.js"
import { jobsToCancel } from "../tasks/transitions.js"
import { appendJobEvents, statusChanged } from "./jobOutbox.js"
import { JobRepository } from "./JobRepository.js"
import { JobRuntime } from "./JobRuntime.js"
import { isCancellableByTask, transition } from "./transitions.js"

export type TaskCancelledServices = SqlClient.SqlClient | JobRepository | JobRuntime | Outbox

const cancelForTask = (jobId: string, reason: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* JobRepository
    const runtime = yield* JobRuntime
    return yield* sql.withTransaction(Effect.gen(function*() {
      const job = yield* repo.findForUpdate(jobId)
      if (job === undefined || !isCancellableByTask(job.status)) return false
      const to = transition(job, "cancel")
      if (to._tag === "Failure") return false
      const cancelled = yield* repo.update(job.id, { status: to.success })
      yield* appendJobEvents(cancelled, undefined, [...statusChanged(job.status, to.success), { type: "job.cancelled.v1", reason }])
      yield* runtime.release(job)
      return true
    }))
  })

/** Cancels the task's linked jobs that have not started; returns the ids it cancelled now. */
export const onTaskCancelled = (
  event: typeof TaskCancelledV1.Type
): Effect.Effect<ReadonlyArray<string>, SqlError.SqlError, TaskCancelledServices> =>
  Effect.gen(function*() {
    const repo = yield* JobRepository
    const reason = `task ${event.task_id} cancelled${event.reason === undefined ? "" : `: ${event.reason}`}`
    const cancelled: Array<string> = []
    for (const jobId of jobsToCancel(yield* repo.jobsOfTask(event.task_id))) {
      if (yield* cancelForTask(jobId, reason)) cancelled.push(jobId)
    }
    return cancelled
  }).pipe(Effect.annotateLogs({ module: "TaskCancelled", task_id: event.task_id }))

/** The JobService's handler of `tasks:bus`: only `task.cancelled` concerns jobs. */
export const onTaskBusEvent = (event: TaskBusEvent): Effect.Effect<void, SqlError.SqlError, TaskCancelledServices> =>
  event.type === "task.cancelled.v1" ? Effect.asVoid(onTaskCancelled(event)) : Effect.void

