/**
 * The rows of jobs, job_runs and the task reads, as Schema decodes them from the pg driver (bigint
 * user ids, Date timestamps, smallint priority, jsonb already parsed), and their mapping to the
 * service's `Job` and `JobRun`. A row that does not decode is a defect: the tables' CHECKs make it
 * impossible.
 */
import { Array as Arr, DateTime, Effect, Schema } from "effect"
import type { SqlError } from "effect/sql"
import { JobDomain } from "../../../contracts/JobDomain.js"
import { UserId } from "../../../contracts/UserId.js"
import type { Priority } from "../../fields.js"
import { type Job, type JobRun, type JobSchedule, JobStatus, RunOutcome } from "../types.js"

const priorityOf: Readonly<Record<1 | 2 | 3, Priority>> = { 1: "low", 2: "medium", 3: "high" }

export const JobRow = Schema.Struct({
  id: Schema.String,
  user_id: UserId,
  domain: JobDomain,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  payload: Schema.Json,
  status: JobStatus,
  priority: Schema.Literals([1, 2, 3]),
  schedule_kind: Schema.NullOr(Schema.Literals(["at", "cron"])),
  run_at: Schema.NullOr(Schema.DateTimeUtcFromDate),
  cron: Schema.NullOr(Schema.String),
  timezone: Schema.NullOr(Schema.String),
  max_attempts: Schema.Int,
  attempts: Schema.Int,
  runtime_job_id: Schema.NullOr(Schema.String),
  task_ids: Schema.Array(Schema.String),
  created_at: Schema.DateTimeUtcFromDate,
  updated_at: Schema.DateTimeUtcFromDate
})
export type JobRow = typeof JobRow.Type

export const RunRow = Schema.Struct({
  job_id: Schema.String,
  attempt: Schema.Int,
  execution_id: Schema.String,
  worker: Schema.NullOr(Schema.String),
  started_at: Schema.DateTimeUtcFromDate,
  ended_at: Schema.NullOr(Schema.DateTimeUtcFromDate),
  outcome: RunOutcome,
  error: Schema.NullOr(Schema.String),
  duration_ms: Schema.NullOr(Schema.BigInt)
})
export type RunRow = typeof RunRow.Type

export const TaskRefRow = Schema.Struct({ id: Schema.String, user_id: UserId, assignee_user_id: Schema.NullOr(UserId) })
export const LinkedJobRow = Schema.Struct({ id: Schema.String, status: JobStatus })

const scheduleOf = (row: JobRow): JobSchedule | null =>
  row.schedule_kind === "at" && row.run_at !== null
    ? { kind: "at", run_at: row.run_at }
    : row.schedule_kind === "cron" && row.cron !== null
    ? { kind: "cron", cron: row.cron, ...(row.timezone === null ? {} : { timezone: row.timezone }) }
    : null

export const toJob = (row: JobRow): Job => {
  const { schedule_kind: _kind, run_at: _runAt, cron: _cron, timezone: _timezone, ...rest } = row
  return { ...rest, priority: priorityOf[row.priority], schedule: scheduleOf(row) }
}

export const toRun = (row: RunRow): JobRun => ({ ...row, duration_ms: row.duration_ms === null ? null : Number(row.duration_ms) })

/** The four schedule columns of a schedule (all null without one). */
export const scheduleColumns = (schedule: JobSchedule | null) => ({
  schedule_kind: schedule?.kind ?? null,
  run_at: schedule?.kind === "at" ? DateTime.toDateUtc(schedule.run_at) : null,
  cron: schedule?.kind === "cron" ? schedule.cron : null,
  timezone: schedule?.kind === "cron" ? schedule.timezone ?? null : null
})

/** A row that does not decode is a defect: the table's CHECKs make it impossible. */
export const orDieOnSchema = <A>(effect: Effect.Effect<A, SqlError.SqlError | Schema.SchemaError>) =>
  effect.pipe(Effect.catchTag("SchemaError", Effect.die))

export const jobsOf = (result: Effect.Effect<ReadonlyArray<JobRow>, SqlError.SqlError | Schema.SchemaError>) =>
  orDieOnSchema(result).pipe(Effect.map(Arr.map(toJob)))

