/**
 * The SQL of tasks and task_jobs (the TaskService holds the rules, never SQL). Rows are decoded through
 * Schema into `Task`s (exact bigint user ids, DateTime timestamps, priority from its smallint rank); a
 * row that does not decode is a defect, since the table's CHECKs make it impossible.
 *
 * Listings use keyset pagination on (created_at DESC, id DESC) (../Cursor.ts). The cursor carries
 * milliseconds while timestamptz keeps microseconds, so inserts stamp `created_at` truncated to the
 * millisecond: the cursor then names the row's key exactly and a page never skips a row.
 *
 * The link table joins both sides, so the statuses of a task's linked jobs (which the cross-service
 * rule needs) and the owner of a job being linked are read here, from `jobs`, read-only.
 */
import { Array as Arr, Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { UserId } from "../../contracts/UserId.js"
import type { CursorKey } from "../Cursor.js"
import { type Priority, priorityRank } from "../fields.js"
import { JobStatus } from "../jobs/types.js"
import type { TaskQuery } from "./permissions.js"
import { type Task, TaskStatus } from "./types.js"

const priorityOf: Readonly<Record<1 | 2 | 3, Priority>> = { 1: "low", 2: "medium", 3: "high" }

const TaskRow = Schema.Struct({
  id: Schema.String,
  user_id: UserId,
  assignee_user_id: Schema.NullOr(UserId),
  title: Schema.String,
  description: Schema.NullOr(Schema.String),
  status: TaskStatus,
  priority: Schema.Literals([1, 2, 3]),
  parent_id: Schema.NullOr(Schema.String),
  job_ids: Schema.Array(Schema.String),
  due_at: Schema.NullOr(Schema.DateTimeUtcFromDate),
  created_at: Schema.DateTimeUtcFromDate,
  updated_at: Schema.DateTimeUtcFromDate
})
const decodeTaskRows = Schema.decodeUnknownEffect(Schema.Array(TaskRow))

const JobRefRow = Schema.Struct({ id: Schema.String, user_id: UserId, status: JobStatus })
const decodeJobRefs = Schema.decodeUnknownEffect(Schema.Array(JobRefRow))

const jobRefs = (rows: ReadonlyArray<unknown>) => decodeJobRefs(rows).pipe(Effect.orDie)

const NodeRow = Schema.Struct({ id: Schema.String, status: TaskStatus, parent_id: Schema.NullOr(Schema.String), user_id: UserId })
const decodeNodes = Schema.decodeUnknownEffect(Schema.Array(NodeRow))

/** A job as the task side needs it: who owns it (to check the actor sees it) and where it stands. */
export type JobRef = typeof JobRefRow.Type
/** One task of a subtree (the cancel cascade and the delete events). */
export type TaskNode = typeof NodeRow.Type

export interface NewTask {
  readonly user_id: UserId
  readonly assignee_user_id: UserId | null
  readonly title: string
  readonly description: string | null
  readonly status: TaskStatus
  readonly priority: Priority
  readonly parent_id: string | null
  readonly due_at: DateTime.Utc | null
}

export interface TaskPatch {
  readonly title?: string
  readonly description?: string | null
  readonly priority?: Priority
  readonly due_at?: DateTime.Utc | null
}

const toDate = (at: DateTime.Utc | null): Date | null => (at === null ? null : DateTime.toDateUtc(at))

const toTasks = (rows: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<Task>> =>
  decodeTaskRows(rows).pipe(
    Effect.map((decoded) => decoded.map((row): Task => ({ ...row, priority: priorityOf[row.priority] }))),
    Effect.orDie
  )

export class TaskRepository extends Context.Service<TaskRepository, {
  /** Inserts and returns the task (its id made by the database). */
  readonly insert: (task: NewTask) => Effect.Effect<Task, SqlError.SqlError>
  readonly findById: (id: string) => Effect.Effect<Task | undefined, SqlError.SqlError>
  /** Reads and row-locks the task until the transaction ends (run inside `withTransaction`). */
  readonly findForUpdate: (id: string) => Effect.Effect<Task | undefined, SqlError.SqlError>
  readonly update: (id: string, patch: TaskPatch) => Effect.Effect<void, SqlError.SqlError>
  readonly setStatus: (ids: ReadonlyArray<string>, status: TaskStatus) => Effect.Effect<void, SqlError.SqlError>
  readonly setAssignee: (id: string, assignee: UserId | null) => Effect.Effect<void, SqlError.SqlError>
  /** Deletes the task; its subtasks and links go with it (ON DELETE CASCADE). */
  readonly delete: (id: string) => Effect.Effect<void, SqlError.SqlError>
  /** One page, newest first, after `after` when given; fetches `limit` rows. */
  readonly list: (query: TaskQuery, after: CursorKey | undefined, limit: number) => Effect.Effect<ReadonlyArray<Task>, SqlError.SqlError>
  /** Direct subtasks, oldest first. */
  readonly children: (parentId: string) => Effect.Effect<ReadonlyArray<Task>, SqlError.SqlError>
  readonly countOpenChildren: (parentId: string) => Effect.Effect<number, SqlError.SqlError>
  /** Every descendant of the task, any depth (not the task itself). */
  readonly subtree: (rootId: string) => Effect.Effect<ReadonlyArray<TaskNode>, SqlError.SqlError>
  readonly link: (taskId: string, jobIds: ReadonlyArray<string>) => Effect.Effect<void, SqlError.SqlError>
  /** True when a link was removed. */
  readonly unlink: (taskId: string, jobId: string) => Effect.Effect<boolean, SqlError.SqlError>
  /** The jobs among `ids` that exist. */
  readonly jobs: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<JobRef>, SqlError.SqlError>
  readonly linkedJobs: (taskId: string) => Effect.Effect<ReadonlyArray<JobRef>, SqlError.SqlError>
  /** Ids of the tasks a job is linked to. */
  readonly tasksOfJob: (jobId: string) => Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
}>()("jobs/services/TaskRepository") {
  static readonly make = Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
    const isUuid = (id: string) => uuid.test(id)

    const columns = sql.literal(`t.id::text AS id, t.user_id, t.assignee_user_id, t.title, t.description, t.status,
      t.priority, t.parent_id::text AS parent_id, t.due_at, t.created_at, t.updated_at,
      ARRAY(SELECT tj.job_id::text FROM task_jobs tj WHERE tj.task_id = t.id ORDER BY tj.linked_at, tj.job_id) AS job_ids`)

    const selectOne = (id: string, lock: boolean) =>
      // An id that is not a UUID names no task: answer "none" rather than let PostgreSQL refuse the cast.
      isUuid(id)
        ? sql`SELECT ${columns} FROM tasks t WHERE t.id = ${id}::uuid ${sql.literal(lock ? "FOR UPDATE" : "")}`.pipe(
          Effect.flatMap(toTasks),
          Effect.map((tasks) => tasks[0])
        )
        : Effect.succeed(undefined)

    const filterClauses = (query: TaskQuery, after: CursorKey | undefined) => {
      const clauses = []
      if (query.visible_to !== undefined) {
        clauses.push(sql`(t.user_id = ${query.visible_to} OR t.assignee_user_id = ${query.visible_to})`)
      }
      if (query.status !== undefined && query.status.length > 0) clauses.push(sql`t.status IN ${sql.in(query.status)}`)
      if (query.user_id !== undefined) clauses.push(sql`t.user_id = ${query.user_id}`)
      if (query.assignee_user_id !== undefined) clauses.push(sql`t.assignee_user_id = ${query.assignee_user_id}`)
      if (query.priority !== undefined) clauses.push(sql`t.priority = ${priorityRank(query.priority)}`)
      if (query.parent_id !== undefined) clauses.push(sql`t.parent_id = ${query.parent_id}::uuid`)
      if (query.top_level === true) clauses.push(sql`t.parent_id IS NULL`)
      if (query.top_level === false) clauses.push(sql`t.parent_id IS NOT NULL`)
      if (query.job_id !== undefined) {
        clauses.push(sql`EXISTS (SELECT 1 FROM task_jobs tj WHERE tj.task_id = t.id AND tj.job_id = ${query.job_id}::uuid)`)
      }
      if (query.created_from !== undefined) clauses.push(sql`t.created_at >= ${toDate(query.created_from)}`)
      if (query.created_to !== undefined) clauses.push(sql`t.created_at < ${toDate(query.created_to)}`)
      if (query.due_before !== undefined) clauses.push(sql`t.due_at < ${toDate(query.due_before)}`)
      if (after !== undefined) {
        clauses.push(sql`(t.created_at, t.id) < (${toDate(after.created_at)}::timestamptz, ${after.id}::uuid)`)
      }
      return sql.and(clauses)
    }

    return TaskRepository.of({
      insert: (task) =>
        sql<{ readonly id: string }>`INSERT INTO tasks
            (id, user_id, assignee_user_id, title, description, status, priority, parent_id, due_at, created_at)
          VALUES (gen_random_uuid(), ${task.user_id}, ${task.assignee_user_id}, ${task.title}, ${task.description},
            ${task.status}, ${priorityRank(task.priority)}, ${task.parent_id}::uuid, ${toDate(task.due_at)}::timestamptz,
            date_trunc('milliseconds', clock_timestamp()))
          RETURNING id::text AS id`.pipe(
          Effect.flatMap((rows) => selectOne(rows[0]?.id ?? "", false)),
          Effect.flatMap((found) => (found === undefined ? Effect.die("inserted task not found") : Effect.succeed(found)))
        ),
      findById: (id) => selectOne(id, false),
      findForUpdate: (id) => selectOne(id, true),
      update: (id, patch) => {
        const values: Record<string, unknown> = {}
        if (patch.title !== undefined) values["title"] = patch.title
        if (patch.description !== undefined) values["description"] = patch.description
        if (patch.priority !== undefined) values["priority"] = priorityRank(patch.priority)
        if (patch.due_at !== undefined) values["due_at"] = toDate(patch.due_at)
        return Object.keys(values).length === 0
          ? Effect.void
          : sql`UPDATE tasks SET ${sql.update(values)} WHERE id = ${id}::uuid`.pipe(Effect.asVoid)
      },
      setStatus: (ids, status) =>
        ids.length === 0 ? Effect.void : sql`UPDATE tasks SET status = ${status} WHERE id IN ${sql.in(ids)}`.pipe(Effect.asVoid),
      setAssignee: (id, assignee) => sql`UPDATE tasks SET assignee_user_id = ${assignee} WHERE id = ${id}::uuid`.pipe(Effect.asVoid),
      delete: (id) => sql`DELETE FROM tasks WHERE id = ${id}::uuid`.pipe(Effect.asVoid),
      list: (query, after, limit) =>
        sql`SELECT ${columns} FROM tasks t WHERE ${filterClauses(query, after)}
            ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit}`.pipe(Effect.flatMap(toTasks)),
      children: (parentId) =>
        sql`SELECT ${columns} FROM tasks t WHERE t.parent_id = ${parentId}::uuid ORDER BY t.created_at, t.id`.pipe(
          Effect.flatMap(toTasks)
        ),
      countOpenChildren: (parentId) =>
        sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM tasks
          WHERE parent_id = ${parentId}::uuid AND status IN ('open', 'in_progress')`.pipe(Effect.map((rows) => Number(rows[0]?.n ?? 0))),
      subtree: (rootId) =>
        sql`WITH RECURSIVE sub AS (
              SELECT id, status, parent_id, user_id FROM tasks WHERE parent_id = ${rootId}::uuid
              UNION ALL
              SELECT t.id, t.status, t.parent_id, t.user_id FROM tasks t JOIN sub ON t.parent_id = sub.id
            )
            SELECT id::text AS id, status, parent_id::text AS parent_id, user_id FROM sub`.pipe(
          Effect.flatMap((rows) => decodeNodes(rows).pipe(Effect.orDie))
        ),
      link: (taskId, jobIds) => {
        const rows = jobIds.map((jobId): Record<string, unknown> => ({ task_id: taskId, job_id: jobId }))
        return Arr.isReadonlyArrayNonEmpty(rows)
          ? sql`INSERT INTO task_jobs ${sql.insert(rows)} ON CONFLICT DO NOTHING`.pipe(Effect.asVoid)
          : Effect.void
      },
      unlink: (taskId, jobId) =>
        isUuid(jobId)
          ? sql`DELETE FROM task_jobs WHERE task_id = ${taskId}::uuid AND job_id = ${jobId}::uuid RETURNING job_id`.pipe(
            Effect.map((rows) => rows.length > 0)
          )
          : Effect.succeed(false),
      jobs: (ids) => {
        const valid = ids.filter(isUuid)
        return valid.length === 0
          ? Effect.succeed([])
          : sql`SELECT id::text AS id, user_id, status FROM jobs WHERE id IN ${sql.in(valid)}`
            .pipe(Effect.flatMap(jobRefs))
      },
      linkedJobs: (taskId) =>
        sql`SELECT j.id::text AS id, j.user_id, j.status FROM task_jobs tj JOIN jobs j ON j.id = tj.job_id
            WHERE tj.task_id = ${taskId}::uuid ORDER BY tj.linked_at, j.id`.pipe(Effect.flatMap(jobRefs)),
      tasksOfJob: (jobId) =>
        isUuid(jobId)
          ? sql<{ readonly task_id: string }>`SELECT task_id::text AS task_id FROM task_jobs WHERE job_id = ${jobId}::uuid
              ORDER BY task_id`.pipe(Effect.map((rows) => rows.map((row) => row.task_id)))
          : Effect.succeed([])
    })
  })

  static readonly layer = Layer.effect(TaskRepository, TaskRepository.make)
}
