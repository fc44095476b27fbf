/**
 * The JobService's data (seed 003, `jobs/types.py`): a job is the system of record's view of work that the
 * runtime runs. Field names are snake_case because these are the HTTP API's JSON shapes too.
 *
 * Lifecycle (see transitions.ts): `pending` (created, nothing asked yet) -> `scheduled` (waits for run_at
 * or its cron) -> `running` (a run was enqueued; retries of that run stay `running`) -> `succeeded` |
 * `failed`, or `cancelled` from any non-final state. A cron job goes back to `scheduled` after each run.
 */
import { Cron, Result, Schema } from "effect"
import { JobDomain } from "../../contracts/JobDomain.js"
import { UserId } from "../../contracts/UserId.js"
import { Description, EntityId, PageSize, Priority, Timestamp, Title } from "../fields.js"

export const jobStatuses = ["pending", "scheduled", "running", "succeeded", "failed", "cancelled"] as const
export const JobStatus = Schema.Literals(jobStatuses).annotate({ identifier: "JobStatus" })
export type JobStatus = typeof JobStatus.Type

const CronExpression = Schema.String.check(
  Schema.makeFilter<string>((text) => Result.isSuccess(Cron.parse(text)) || "Expected a cron expression like \"0 3 * * *\"")
)

/** Run once at a time, or on every firing of a cron expression (UTC unless a time zone is named). */
export const JobSchedule = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("at"), run_at: Timestamp }),
  Schema.Struct({ kind: Schema.Literal("cron"), cron: CronExpression, timezone: Schema.optionalKey(Schema.String) })
]).annotate({ identifier: "JobSchedule" })
export type JobSchedule = typeof JobSchedule.Type

export const isRecurring = (schedule: JobSchedule | null): boolean => schedule?.kind === "cron"

const Attempts = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }, { message: "Expected an integer from 1 to 100" }))

export const Job = Schema.Struct({
  id: EntityId,
  /** The owner. */
  user_id: UserId,
  domain: JobDomain,
  name: Title,
  description: Schema.NullOr(Description),
  payload: Schema.Json,
  status: JobStatus,
  priority: Priority,
  schedule: Schema.NullOr(JobSchedule),
  max_attempts: Attempts,
  /** Runs started so far (every retry counts). */
  attempts: Schema.Int,
  /** The runtime's job id of the current or last run (`{domain}:job:{id}`), null before the first run. */
  runtime_job_id: Schema.NullOr(Schema.String),
  /** Linked tasks (the task_jobs link table, many-to-many; see src/services/README.md). */
  task_ids: Schema.Array(EntityId),
  created_at: Timestamp,
  updated_at: Timestamp
}).annotate({ identifier: "Job" })
export type Job = typeof Job.Type

/** What a caller sends to create a job. `user_id` (another owner) is for operators and admins only. */
export const JobCreate = Schema.Struct({
  domain: JobDomain,
  name: Title,
  description: Schema.optionalKey(Description),
  payload: Schema.optionalKey(Schema.Json),
  priority: Schema.optionalKey(Priority),
  schedule: Schema.optionalKey(JobSchedule),
  max_attempts: Schema.optionalKey(Attempts),
  user_id: Schema.optionalKey(UserId),
  task_ids: Schema.optionalKey(Schema.Array(EntityId))
}).annotate({ identifier: "JobCreate" })
export type JobCreate = typeof JobCreate.Type

/** A partial update; decode it with `decodeStrict` so unknown fields are refused. `description: null` clears it. */
export const JobUpdate = Schema.Struct({
  name: Schema.optionalKey(Title),
  description: Schema.optionalKey(Schema.NullOr(Description)),
  payload: Schema.optionalKey(Schema.Json),
  priority: Schema.optionalKey(Priority),
  max_attempts: Schema.optionalKey(Attempts)
}).check(
  Schema.makeFilter((update) => Object.keys(update).length > 0 || "Expected at least one field to change")
).annotate({ identifier: "JobUpdate" })
export type JobUpdate = typeof JobUpdate.Type

/** Listing filters; a user's listing is narrowed to their own jobs by JobPermissions.scopeFilters. */
export const JobFilters = Schema.Struct({
  status: Schema.optionalKey(Schema.Array(JobStatus)),
  domain: Schema.optionalKey(JobDomain),
  user_id: Schema.optionalKey(UserId),
  /** created_at >= created_from and < created_to. */
  created_from: Schema.optionalKey(Timestamp),
  created_to: Schema.optionalKey(Timestamp),
  /** Opaque keyset cursor from the previous page (see Cursor.ts). */
  cursor: Schema.optionalKey(Schema.String),
  limit: Schema.optionalKey(PageSize)
}).annotate({ identifier: "JobFilters" })
export type JobFilters = typeof JobFilters.Type

export const runOutcomes = ["running", "succeeded", "failed", "retrying", "cancelled"] as const
export const RunOutcome = Schema.Literals(runOutcomes).annotate({ identifier: "RunOutcome" })
export type RunOutcome = typeof RunOutcome.Type

/**
 * One run (attempt) of a job, written by the run projection from the runtime's lifecycle events.
 * `retrying` is a failed attempt after which the runtime tries again; `failed` is the last one.
 */
export const JobRun = Schema.Struct({
  job_id: EntityId,
  attempt: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  execution_id: Schema.String,
  worker: Schema.NullOr(Schema.String),
  started_at: Timestamp,
  ended_at: Schema.NullOr(Timestamp),
  outcome: RunOutcome,
  error: Schema.NullOr(Schema.String),
  duration_ms: Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
}).annotate({ identifier: "JobRun" })
export type JobRun = typeof JobRun.Type
