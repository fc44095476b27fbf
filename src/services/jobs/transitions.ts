/**
 * The job lifecycle as a pure function: the service asks `transition` before it writes, and writes the
 * status it returns (with a `job.status_changed` event when it differs from the current one).
 *
 *   from \ action  schedule   start    run_started  succeed     fail        cancel
 *   pending        scheduled  running  -            -           -           cancelled
 *   scheduled      scheduled  running  running      -           -           cancelled
 *   running        -          -        running      succeeded*  failed*     cancelled
 *   succeeded      -          -        -            -           -           -
 *   failed         scheduled  running  -            -           -           -
 *   cancelled      -          -        -            -           -           -
 *   (* a cron job goes back to `scheduled`: its next firing still runs)
 *
 * Why: `succeeded` and `cancelled` are final (run it again = a new job, so history stays one story per
 * job); `failed` may be started or scheduled again by hand, the common fix after a bad input or an
 * outage. `run_started` comes from the run projection (the runtime claimed a run): from `scheduled` when
 * the runtime's scheduler fired it, from `running` for a retry or a re-claim after a stalled lease.
 * `succeed`/`fail` come from the projection or from `complete`/`fail` of a job driven from outside.
 */
import { Result } from "effect"
import { invalidTransition, type InvalidTransition } from "../errors.js"
import { isRecurring, type Job, type JobStatus } from "./types.js"

export const jobActions = ["schedule", "start", "run_started", "succeed", "fail", "cancel"] as const
export type JobAction = (typeof jobActions)[number]

export const finalJobStatuses: ReadonlyArray<JobStatus> = ["succeeded", "cancelled"]

type JobState = Pick<Job, "id" | "status" | "schedule">

const next = (job: JobState, action: JobAction): JobStatus | undefined => {
  const afterRun: JobStatus | undefined = isRecurring(job.schedule) ? "scheduled" : undefined
  switch (job.status) {
    case "pending":
      return action === "schedule" ? "scheduled" : action === "start" ? "running" : action === "cancel" ? "cancelled" : undefined
    case "scheduled":
      return action === "schedule"
        ? "scheduled"
        : action === "start" || action === "run_started"
        ? "running"
        : action === "cancel"
        ? "cancelled"
        : undefined
    case "running":
      return action === "run_started"
        ? "running"
        : action === "succeed"
        ? afterRun ?? "succeeded"
        : action === "fail"
        ? afterRun ?? "failed"
        : action === "cancel"
        ? "cancelled"
        : undefined
    case "failed":
      return action === "schedule" ? "scheduled" : action === "start" ? "running" : undefined
    case "succeeded":
    case "cancelled":
      return undefined
  }
}

/** The status after `action`, or InvalidTransition naming the job, its status and the action. */
export const transition = (job: JobState, action: JobAction): Result.Result<JobStatus, InvalidTransition> => {
  const to = next(job, action)
  return to === undefined ? Result.fail(invalidTransition("job", job.id, job.status, action)) : Result.succeed(to)
}

/** A running job cannot be deleted: its run would report into nothing. Cancel it first. */
export const checkDelete = (job: JobState): Result.Result<void, InvalidTransition> =>
  job.status === "running"
    ? Result.fail(invalidTransition("job", job.id, job.status, "delete", "cancel it first"))
    : Result.succeed(undefined)

/**
 * Labels (name, description, priority) can change at any time; what a run uses (payload, max_attempts)
 * not while it runs, since the runtime already holds the old values and the record would lie.
 */
export const checkUpdate = (
  job: JobState,
  changed: ReadonlyArray<string>
): Result.Result<void, InvalidTransition> =>
  job.status === "running" && changed.some((field) => field === "payload" || field === "max_attempts")
    ? Result.fail(invalidTransition("job", job.id, job.status, "update", "payload and max_attempts are fixed while it runs"))
    : Result.succeed(undefined)

/** Jobs a cancelled task cancels (the cross-service rule): those not started yet. */
export const isCancellableByTask = (status: JobStatus): boolean => status === "pending" || status === "scheduled"
