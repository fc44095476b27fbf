/**
 * The TaskService's data (seed 003, `tasks/types.py`): work people track, optionally split into subtasks
 * (`parent_id`) and linked to the jobs that do it (many-to-many through task_jobs; see
 * src/services/README.md). snake_case, as these are the HTTP API's JSON shapes too.
 */
import { Schema } from "effect"
import { UserId } from "../../contracts/UserId.js"
import { Description, EntityId, PageSize, Priority, Timestamp, Title } from "../fields.js"

export const taskStatuses = ["open", "in_progress", "done", "cancelled"] as const
export const TaskStatus = Schema.Literals(taskStatuses).annotate({ identifier: "TaskStatus" })
export type TaskStatus = typeof TaskStatus.Type

export const Task = Schema.Struct({
  id: EntityId,
  /** The owner. */
  user_id: UserId,
  assignee_user_id: Schema.NullOr(UserId),
  title: Title,
  description: Schema.NullOr(Description),
  status: TaskStatus,
  priority: Priority,
  /** The parent task of a subtask; null for a top-level task. */
  parent_id: Schema.NullOr(EntityId),
  job_ids: Schema.Array(EntityId),
  due_at: Schema.NullOr(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp
}).annotate({ identifier: "Task" })
export type Task = typeof Task.Type

/**
 * What a caller sends to create a task (or, through `createSubtask`, a subtask: the parent comes from
 * the path, never from the body). `user_id` (another owner) is for operators and admins only.
 */
export const TaskCreate = Schema.Struct({
  title: Title,
  description: Schema.optionalKey(Description),
  priority: Schema.optionalKey(Priority),
  assignee_user_id: Schema.optionalKey(UserId),
  due_at: Schema.optionalKey(Timestamp),
  job_ids: Schema.optionalKey(Schema.Array(EntityId)),
  user_id: Schema.optionalKey(UserId)
}).annotate({ identifier: "TaskCreate" })
export type TaskCreate = typeof TaskCreate.Type

/**
 * A partial update; decode it with `decodeStrict` so unknown fields are refused. Status and assignee are
 * not here: they change through complete/cancel/reopen/assign, which have their own rules and events.
 */
export const TaskUpdate = Schema.Struct({
  title: Schema.optionalKey(Title),
  description: Schema.optionalKey(Schema.NullOr(Description)),
  priority: Schema.optionalKey(Priority),
  due_at: Schema.optionalKey(Schema.NullOr(Timestamp))
}).check(
  Schema.makeFilter((update) => Object.keys(update).length > 0 || "Expected at least one field to change")
).annotate({ identifier: "TaskUpdate" })
export type TaskUpdate = typeof TaskUpdate.Type

/** Listing filters; a user's listing is narrowed to what they own or are assigned by TaskPermissions.scopeFilters. */
export const TaskFilters = Schema.Struct({
  status: Schema.optionalKey(Schema.Array(TaskStatus)),
  user_id: Schema.optionalKey(UserId),
  assignee_user_id: Schema.optionalKey(UserId),
  priority: Schema.optionalKey(Priority),
  /** Subtasks of this task only; top-level tasks only when `top_level` is true. */
  parent_id: Schema.optionalKey(EntityId),
  top_level: Schema.optionalKey(Schema.Boolean),
  job_id: Schema.optionalKey(EntityId),
  created_from: Schema.optionalKey(Timestamp),
  created_to: Schema.optionalKey(Timestamp),
  due_before: Schema.optionalKey(Timestamp),
  cursor: Schema.optionalKey(Schema.String),
  limit: Schema.optionalKey(PageSize)
}).annotate({ identifier: "TaskFilters" })
export type TaskFilters = typeof TaskFilters.Type
