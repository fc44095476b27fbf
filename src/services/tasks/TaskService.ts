/**
 * The TaskService of seed 003 (`core/services/tasks/service.py`): every operation takes the acting
 * `Actor`, checks TaskPermissions, applies ./transitions.ts, writes PostgreSQL through TaskRepository and
 * appends its bus events to the outbox in the same transaction. Subtasks are tasks with a parent; jobs
 * are linked many-to-many (src/services/README.md). The layer is in ./TaskServiceLive.ts.
 */
import { Context, type Effect } from "effect"
import type { UserId } from "../../contracts/UserId.js"
import type { Actor } from "../Actor.js"
import type { Conflict, Forbidden, InvalidTransition, NotFound, Validation } from "../errors.js"
import type { Page } from "../jobs/JobService.js"
import type { Task, TaskCreate, TaskFilters, TaskUpdate } from "./types.js"

export type TaskServiceError = NotFound | Forbidden | InvalidTransition | Conflict | Validation

export class TaskService extends Context.Service<TaskService, {
  readonly create: (actor: Actor, input: TaskCreate) => Effect.Effect<Task, TaskServiceError>
  readonly get: (actor: Actor, id: string) => Effect.Effect<Task, TaskServiceError>
  readonly update: (actor: Actor, id: string, input: TaskUpdate) => Effect.Effect<Task, TaskServiceError>
  readonly delete: (actor: Actor, id: string) => Effect.Effect<void, TaskServiceError>
  readonly list: (actor: Actor, filters: TaskFilters) => Effect.Effect<Page<Task>, TaskServiceError>
  readonly assign: (actor: Actor, id: string, assignee: UserId) => Effect.Effect<Task, TaskServiceError>
  /** Refused with Conflict(open_subtasks) while subtasks are open, unless `force`. */
  readonly complete: (actor: Actor, id: string, options?: { readonly force?: boolean }) => Effect.Effect<Task, TaskServiceError>
  /** Cascades down to unfinished subtasks and to linked jobs not yet started. */
  readonly cancel: (actor: Actor, id: string, reason: string) => Effect.Effect<Task, TaskServiceError>
  readonly reopen: (actor: Actor, id: string) => Effect.Effect<Task, TaskServiceError>
  readonly createSubtask: (actor: Actor, parentId: string, input: TaskCreate) => Effect.Effect<Task, TaskServiceError>
  readonly subtasks: (actor: Actor, parentId: string) => Effect.Effect<ReadonlyArray<Task>, TaskServiceError>
  readonly linkJob: (actor: Actor, id: string, jobId: string) => Effect.Effect<Task, TaskServiceError>
  readonly unlinkJob: (actor: Actor, id: string, jobId: string) => Effect.Effect<Task, TaskServiceError>
}>()("jobs/services/TaskService") {}
