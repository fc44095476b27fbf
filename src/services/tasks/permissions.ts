/**
 * Who may do what to a task (seed 003, `tasks/permissions.py`): pure rules behind a service.
 *
 * - a user sees a task they own or are assigned; operators see every task;
 * - the assignee works on it (update, start, stop, complete, reopen, add subtasks) but does not hand it
 *   on (assign), call it off (cancel) or link jobs to it: those stay with the owner and operators;
 * - only admins delete;
 * - a task the actor may not see answers NotFound, exactly as a missing id (see ../errors.ts); a denial
 *   on a task the actor sees is Forbidden;
 * - a listing is narrowed to what the actor sees (`visible_to`: owner or assignee), never refused.
 */
import { Context, Effect, Layer } from "effect"
import type { UserId } from "../../contracts/UserId.js"
import { type Actor, isAdmin, isOperator } from "../Actor.js"
import { forbidden, type Forbidden, notFound, type NotFound } from "../errors.js"
import type { Decision } from "../jobs/permissions.js"
import type { Task, TaskFilters } from "./types.js"

export const taskOperations = [
  "view",
  "update",
  "start",
  "stop",
  "complete",
  "reopen",
  "create_subtask",
  "assign",
  "cancel",
  "link_job",
  "delete"
] as const
export type TaskOperation = (typeof taskOperations)[number]

/** Operations the assignee may do besides the owner. */
const assigneeMay: ReadonlySet<TaskOperation> = new Set(["view", "update", "start", "stop", "complete", "reopen", "create_subtask"])

type TaskPeople = Pick<Task, "id" | "user_id" | "assignee_user_id">

export const decideTask = (actor: Actor, operation: TaskOperation, task: TaskPeople): Decision => {
  const owner = task.user_id === actor.userId
  const assignee = task.assignee_user_id !== null && task.assignee_user_id === actor.userId
  if (!isOperator(actor) && !owner && !assignee) return "not_found"
  if (operation === "delete") return isAdmin(actor) ? "allow" : "forbidden"
  if (isOperator(actor) || owner) return "allow"
  return assigneeMay.has(operation) ? "allow" : "forbidden"
}

/** Filters as the repository runs them: `visible_to` (when set) keeps tasks that user owns or is assigned. */
export type TaskQuery = TaskFilters & { readonly visible_to?: UserId }

export class TaskPermissions extends Context.Service<TaskPermissions, {
  readonly canView: (actor: Actor, task: TaskPeople) => boolean
  /** Succeeds when allowed; NotFound for a task the actor may not see, Forbidden for one they see. */
  readonly check: (actor: Actor, operation: TaskOperation, task: TaskPeople) => Effect.Effect<void, NotFound | Forbidden>
  /** The owner of a task the actor creates: themselves, or (operators and admins) the one they name. */
  readonly ownerForCreate: (actor: Actor, requested: UserId | undefined) => Effect.Effect<UserId, Forbidden>
  readonly scopeFilters: (actor: Actor, filters: TaskFilters) => TaskQuery
}>()("jobs/services/TaskPermissions") {
  static readonly make = TaskPermissions.of({
    canView: (actor, task) => decideTask(actor, "view", task) !== "not_found",
    check: (actor, operation, task) => {
      const decision = decideTask(actor, operation, task)
      return decision === "allow"
        ? Effect.void
        : decision === "not_found"
        ? Effect.fail(notFound("task", task.id))
        : Effect.fail(forbidden("task", operation, task.id))
    },
    ownerForCreate: (actor, requested) =>
      requested === undefined || requested === actor.userId
        ? Effect.succeed(actor.userId)
        : isOperator(actor)
        ? Effect.succeed(requested)
        : Effect.fail(forbidden("task", "create for another user")),
    scopeFilters: (actor, filters) => (isOperator(actor) ? filters : { ...filters, visible_to: actor.userId })
  })

  static readonly layer = Layer.succeed(TaskPermissions, TaskPermissions.make)
}
