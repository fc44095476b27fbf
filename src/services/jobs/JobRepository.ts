/**
 * The SQL of jobs and job_runs, and the reads of task_jobs / tasks / projection_offsets the job side
 * needs (the JobService and the run projection hold the rules, never SQL). Rows are decoded through
 * Schema (`SqlSchema`) into `Job`s and `JobRun`s: exact bigint user ids, DateTime timestamps, priority
 * from its smallint rank, payload as JSON; a row that does not decode is a defect, since the table's
 * CHECKs make it impossible.
 *
 * Listings use keyset pagination on (created_at DESC, id DESC) (../Cursor.ts). The cursor carries
 * milliseconds while timestamptz keeps microseconds, so inserts stamp `created_at` truncated to the
 * millisecond: the cursor then names the row's key exactly and a page never skips or repeats a row.
 *
 * Payloads are written as JSON text cast to jsonb, so a runtime payload read from Redis keeps its
 * numbers' digits (JSON.parse would round integers past 2^53).
 */
import { Array as Arr, Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, type SqlError, SqlSchema } from "effect/sql"
import type { JobDomain } from "../../contracts/JobDomain.js"
import type { UserId } from "../../contracts/UserId.js"
import type { CursorKey } from "../Cursor.js"
import { type Priority, priorityRank } from "../fields.js"
import {
  JobRow,
  jobsOf,
  LinkedJobRow,
  orDieOnSchema,
  RunRow,
  scheduleColumns,
  TaskRefRow,
  toRun
} from "./internal/jobRows.js"
import type { JobQuery } from "./permissions.js"
import type { Job, JobRun, JobSchedule, JobStatus, RunOutcome } from "./types.js"

/** A linked task as the job side needs it: who may link jobs to it (tasks/permissions.ts). */
export type TaskRef = typeof TaskRefRow.Type
export type LinkedJob = typeof LinkedJobRow.Type

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** An id that is not a UUID names no row: answer "none" rather than let PostgreSQL refuse the cast. */
const isUuid = (id: string): boolean => uuidPattern.test(id)

export interface NewJob {
  readonly id: string
  readonly user_id: UserId
  readonly domain: JobDomain
  readonly name: string
  readonly description: string | null
  /** JSON text (see the module comment). */
  readonly payload: string
  readonly status: JobStatus
  readonly priority: Priority
  readonly schedule: JobSchedule | null
  readonly max_attempts: number
  readonly attempts?: number
  readonly runtime_job_id?: string | null
}

/** Columns to change; absent ones keep their value. */
export interface JobPatch {
  readonly name?: string
  readonly description?: string | null
  /** JSON text. */
  readonly payload?: string
  readonly priority?: Priority
  readonly max_attempts?: number
  readonly status?: JobStatus
  readonly schedule?: JobSchedule | null
  readonly runtime_job_id?: string | null
  /** Added to `attempts`. */
  readonly add_attempts?: number
}

export interface NewRun {
  readonly job_id: string
  readonly attempt: number
  readonly execution_id: string
  readonly started_at: DateTime.Utc
}

export interface RunEnd {
  readonly outcome: Exclude<RunOutcome, "running">
  readonly ended_at: DateTime.Utc
  readonly error: string | null
}

/** The plain columns a patch sets (payload and attempts need SQL of their own). */
const patchValues = (patch: JobPatch) => {
  const values: Record<string, unknown> = {}
  if (patch.name !== undefined) values["name"] = patch.name
  if (patch.description !== undefined) values["description"] = patch.description
  if (patch.priority !== undefined) values["priority"] = priorityRank(patch.priority)
  if (patch.max_attempts !== undefined) values["max_attempts"] = patch.max_attempts
  if (patch.status !== undefined) values["status"] = patch.status
  if (patch.schedule !== undefined) Object.assign(values, scheduleColumns(patch.schedule))
  if (patch.runtime_job_id !== undefined) values["runtime_job_id"] = patch.runtime_job_id
  return values
}

const firstOf = (result: Effect.Effect<ReadonlyArray<Job>, SqlError.SqlError>) => Effect.map(result, (jobs) => jobs[0])

export class JobRepository extends Context.Service<JobRepository, {
  readonly insert: (job: NewJob) => Effect.Effect<Job, SqlError.SqlError>
  readonly findById: (id: string) => Effect.Effect<Job | undefined, SqlError.SqlError>
  /** Reads and row-locks the job until the transaction ends (run inside `withTransaction`). */
  readonly findForUpdate: (id: string) => Effect.Effect<Job | undefined, SqlError.SqlError>
  /** The job whose current runtime job is `key` (`{domain}:job:{id}`), row-locked. */
  readonly findByRuntimeKeyForUpdate: (key: string) => Effect.Effect<Job | undefined, SqlError.SqlError>
  /** Applies the patch and returns the job as it is now. */
  readonly update: (id: string, patch: JobPatch) => Effect.Effect<Job, SqlError.SqlError>
  /** Deletes the job; its runs and task links go with it (ON DELETE CASCADE). */
  readonly delete: (id: string) => Effect.Effect<void, SqlError.SqlError>
  /** One page, newest first, after `after` when given; fetches `limit` rows. */
  readonly list: (query: JobQuery, after: CursorKey | undefined, limit: number) => Effect.Effect<ReadonlyArray<Job>, SqlError.SqlError>
  /** Jobs in these statuses, oldest first, at most `limit`. */
  readonly byStatus: (
    statuses: ReadonlyArray<JobStatus>,
    visibleTo: UserId | undefined,
    limit: number
  ) => Effect.Effect<ReadonlyArray<Job>, SqlError.SqlError>
  /** Every run of the job, first attempt first. */
  readonly runs: (jobId: string) => Effect.Effect<ReadonlyArray<JobRun>, SqlError.SqlError>
  /** The latest run still `running`, if any. */
  readonly openRun: (jobId: string) => Effect.Effect<JobRun | undefined, SqlError.SqlError>
  /** The highest attempt recorded (0 when none). */
  readonly lastAttempt: (jobId: string) => Effect.Effect<number, SqlError.SqlError>
  /** Inserts a `running` run; false when a run with this execution id exists already. */
  readonly insertRun: (run: NewRun) => Effect.Effect<boolean, SqlError.SqlError>
  /** Ends a run; `duration_ms` is ended_at - started_at (never negative). */
  readonly closeRun: (jobId: string, attempt: number, end: RunEnd) => Effect.Effect<void, SqlError.SqlError>
  readonly linkTasks: (jobId: string, taskIds: ReadonlyArray<string>) => Effect.Effect<void, SqlError.SqlError>
  /** The tasks among `ids` that exist. */
  readonly tasks: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<TaskRef>, SqlError.SqlError>
  /** The jobs linked to a task, with their status (the cross-service cancel rule). */
  readonly jobsOfTask: (taskId: string) => Effect.Effect<ReadonlyArray<LinkedJob>, SqlError.SqlError>
  /**
   * The projection's position in a stream (the last applied entry id), row-locked until the transaction
   * ends; a stream never applied yet gets a row at `0-0`, which every entry id is after.
   */
  readonly lockOffset: (stream: string) => Effect.Effect<string, SqlError.SqlError>
  readonly setOffset: (stream: string, position: string) => Effect.Effect<void, SqlError.SqlError>
}>()("jobs/services/JobRepository") {
  static readonly make = Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const columns = sql.literal(`j.id::text AS id, j.user_id, j.domain, j.name, j.description, j.payload, j.status,
      j.priority, j.schedule_kind, j.run_at, j.cron, j.timezone, j.max_attempts, j.attempts, j.runtime_job_id,
      ARRAY(SELECT tj.task_id::text FROM task_jobs tj WHERE tj.job_id = j.id ORDER BY tj.linked_at, tj.task_id) AS task_ids,
      j.created_at, j.updated_at`)
    const runColumns = sql.literal(`job_id::text AS job_id, attempt, execution_id, worker, started_at, ended_at,
      outcome, error, duration_ms`)


    const selectById = SqlSchema.findAll({
      Request: Schema.Struct({ id: Schema.String, lock: Schema.Boolean }),
      Result: JobRow,
      execute: ({ id, lock }) => sql`SELECT ${columns} FROM jobs j WHERE j.id = ${id}::uuid ${sql.literal(lock ? "FOR UPDATE" : "")}`
    })
    const one = (id: string, lock: boolean) => isUuid(id) ? firstOf(jobsOf(selectById({ id, lock }))) : Effect.succeed(undefined)

    const selectByRuntimeKey = SqlSchema.findAll({
      Request: Schema.String,
      Result: JobRow,
      execute: (key) => sql`SELECT ${columns} FROM jobs j WHERE j.runtime_job_id = ${key} FOR UPDATE`
    })

    const filterClauses = (query: JobQuery, after: CursorKey | undefined) => {
      const clauses = []
      if (query.visible_to !== undefined) clauses.push(sql`j.user_id = ${query.visible_to}`)
      if (query.status !== undefined && query.status.length > 0) clauses.push(sql`j.status IN ${sql.in(query.status)}`)
      if (query.domain !== undefined) clauses.push(sql`j.domain = ${query.domain}`)
      if (query.user_id !== undefined) clauses.push(sql`j.user_id = ${query.user_id}`)
      if (query.created_from !== undefined) clauses.push(sql`j.created_at >= ${DateTime.toDateUtc(query.created_from)}::timestamptz`)
      if (query.created_to !== undefined) clauses.push(sql`j.created_at < ${DateTime.toDateUtc(query.created_to)}::timestamptz`)
      if (after !== undefined) {
        clauses.push(sql`(j.created_at, j.id) < (${DateTime.toDateUtc(after.created_at)}::timestamptz, ${after.id}::uuid)`)
      }
      return sql.and(clauses)
    }

    const selectRuns = SqlSchema.findAll({
      Request: Schema.String,
      Result: RunRow,
      execute: (jobId) => sql`SELECT ${runColumns} FROM job_runs WHERE job_id = ${jobId}::uuid ORDER BY attempt`
    })
    const selectOpenRun = SqlSchema.findOneOption({
      Request: Schema.String,
      Result: RunRow,
      execute: (jobId) =>
        sql`SELECT ${runColumns} FROM job_runs WHERE job_id = ${jobId}::uuid AND outcome = 'running'
            ORDER BY attempt DESC LIMIT 1`
    })
    const selectTasks = SqlSchema.findAll({
      Request: Schema.Array(Schema.String),
      Result: TaskRefRow,
      execute: (ids) => sql`SELECT id::text AS id, user_id, assignee_user_id FROM tasks WHERE id IN ${sql.in(ids)}`
    })
    const selectLinkedJobs = SqlSchema.findAll({
      Request: Schema.String,
      Result: LinkedJobRow,
      execute: (taskId) =>
        sql`SELECT j.id::text AS id, j.status FROM task_jobs tj JOIN jobs j ON j.id = tj.job_id
            WHERE tj.task_id = ${taskId}::uuid ORDER BY tj.linked_at, j.id`
    })

    return JobRepository.of({
      insert: (job) => {
        const schedule = scheduleColumns(job.schedule)
        return sql`INSERT INTO jobs
            (id, user_id, domain, name, description, payload, status, priority, schedule_kind, run_at, cron, timezone,
             max_attempts, attempts, runtime_job_id, created_at)
          VALUES (${job.id}::uuid, ${job.user_id}, ${job.domain}, ${job.name}, ${job.description}, ${job.payload}::jsonb,
            ${job.status}, ${priorityRank(job.priority)}, ${schedule.schedule_kind}, ${schedule.run_at}::timestamptz,
            ${schedule.cron}, ${schedule.timezone}, ${job.max_attempts}, ${job.attempts ?? 0}, ${job.runtime_job_id ?? null},
            date_trunc('milliseconds', clock_timestamp()))`.pipe(
          Effect.andThen(one(job.id, false)),
          Effect.flatMap((found) => (found === undefined ? Effect.die("inserted job not found") : Effect.succeed(found)))
        )
      },
      findById: (id) => one(id, false),
      findForUpdate: (id) => one(id, true),
      findByRuntimeKeyForUpdate: (key) => firstOf(jobsOf(selectByRuntimeKey(key))),
      update: (id, patch) => {
        const values = patchValues(patch)
        const sets = [
          ...(Object.keys(values).length === 0 ? [] : [sql`${sql.update(values)}`]),
          ...(patch.payload === undefined ? [] : [sql`payload = ${patch.payload}::jsonb`]),
          ...(patch.add_attempts === undefined ? [] : [sql`attempts = attempts + ${patch.add_attempts}`])
        ]
        const write = sets.length === 0
          ? Effect.void
          : sql`UPDATE jobs SET ${sql.join(", ", false)(sets)} WHERE id = ${id}::uuid`.pipe(Effect.asVoid)
        return write.pipe(
          Effect.andThen(one(id, false)),
          Effect.flatMap((found) => (found === undefined ? Effect.die(`updated job ${id} not found`) : Effect.succeed(found)))
        )
      },
      delete: (id) => sql`DELETE FROM jobs WHERE id = ${id}::uuid`.pipe(Effect.asVoid),
      list: (query, after, limit) =>
        jobsOf(SqlSchema.findAll({
          Request: Schema.Void,
          Result: JobRow,
          execute: () =>
            sql`SELECT ${columns} FROM jobs j WHERE ${filterClauses(query, after)}
                ORDER BY j.created_at DESC, j.id DESC LIMIT ${limit}`
        })(undefined)),
      byStatus: (statuses, visibleTo, limit) =>
        jobsOf(SqlSchema.findAll({
          Request: Schema.Void,
          Result: JobRow,
          execute: () =>
            sql`SELECT ${columns} FROM jobs j
                WHERE ${filterClauses({ status: statuses, ...(visibleTo === undefined ? {} : { visible_to: visibleTo }) }, undefined)}
                ORDER BY j.created_at, j.id LIMIT ${limit}`
        })(undefined)),
      runs: (jobId) => isUuid(jobId) ? orDieOnSchema(selectRuns(jobId)).pipe(Effect.map(Arr.map(toRun))) : Effect.succeed([]),
      openRun: (jobId) =>
        orDieOnSchema(selectOpenRun(jobId)).pipe(Effect.map((row) => Option.getOrUndefined(Option.map(row, toRun)))),
      lastAttempt: (jobId) =>
        sql<{ readonly n: number }>`SELECT COALESCE(max(attempt), 0)::int AS n FROM job_runs WHERE job_id = ${jobId}::uuid`.pipe(
          Effect.map((rows) => Number(rows[0]?.n ?? 0))
        ),
      insertRun: (run) =>
        sql`INSERT INTO job_runs (job_id, attempt, execution_id, started_at, outcome)
            VALUES (${run.job_id}::uuid, ${run.attempt}, ${run.execution_id}, ${DateTime.toDateUtc(run.started_at)}::timestamptz, 'running')
            ON CONFLICT (execution_id) DO NOTHING RETURNING attempt`.pipe(Effect.map((rows) => rows.length > 0)),
      closeRun: (jobId, attempt, end) =>
        sql`UPDATE job_runs SET outcome = ${end.outcome}, error = ${end.error},
              ended_at = ${DateTime.toDateUtc(end.ended_at)}::timestamptz,
              duration_ms = GREATEST(0, round(extract(epoch FROM (${DateTime.toDateUtc(end.ended_at)}::timestamptz - started_at)) * 1000))::bigint
            WHERE job_id = ${jobId}::uuid AND attempt = ${attempt}`.pipe(Effect.asVoid),
      linkTasks: (jobId, taskIds) => {
        const rows = taskIds.map((taskId): Record<string, unknown> => ({ task_id: taskId, job_id: jobId }))
        return Arr.isReadonlyArrayNonEmpty(rows)
          ? sql`INSERT INTO task_jobs ${sql.insert(rows)} ON CONFLICT DO NOTHING`.pipe(Effect.asVoid)
          : Effect.void
      },
      tasks: (ids) => {
        const valid = ids.filter(isUuid)
        return valid.length === 0 ? Effect.succeed([]) : orDieOnSchema(selectTasks(valid))
      },
      jobsOfTask: (taskId) => isUuid(taskId) ? orDieOnSchema(selectLinkedJobs(taskId)) : Effect.succeed([]),
      lockOffset: (stream) =>
        sql`INSERT INTO projection_offsets (stream, position) VALUES (${stream}, '0-0') ON CONFLICT (stream) DO NOTHING`.pipe(
          Effect.andThen(sql<{ readonly position: string }>`SELECT position FROM projection_offsets WHERE stream = ${stream} FOR UPDATE`),
          Effect.map((rows) => rows[0]?.position ?? "0-0")
        ),
      setOffset: (stream, position) =>
        sql`UPDATE projection_offsets SET position = ${position} WHERE stream = ${stream}`.pipe(Effect.asVoid)
    })
  })

  static readonly layer = Layer.effect(JobRepository, JobRepository.make)
}
