/**
 * Task rules as pure functions; the TaskService asks them before it writes.
 *
 *   from \ action  start        stop   complete  cancel     reopen  assign
 *   open           in_progress  -      done*     cancelled  -       open
 *   in_progress    -            open   done*     cancelled  -       in_progress
 *   done           -            -      -         -          open    -
 *   cancelled      -            -      -         -          open    -
 *   (* Conflict "open_subtasks" while a subtask is open or in progress, unless `force`)
 *
 * Why: reopen only from done/cancelled (seed 003); a finished task is not reassigned (reopen it first),
 * so the assignee of a done task stays the one who did it.
 *
 * Cancel cascades down: cancelling a task cancels its unfinished subtasks, all levels deep (done ones
 * stay done: that work happened), and its linked jobs that have not started (pending/scheduled). A
 * running job is left to finish: interrupting work because a plan changed is the operator's call, and
 * its outcome no longer moves the cancelled task. `force`-completing a parent does NOT complete its
 * subtasks (they stay visible as unfinished). Nothing cascades up: reopening a subtask leaves its parent.
 * Subtasks cannot be re-parented, so the tree has no cycles.
 */
import { Result } from "effect"
import { conflict, type Conflict, invalidTransition, type InvalidTransition } from "../errors.js"
import { isCancellableByTask } from "../jobs/transitions.js"
import type { JobStatus } from "../jobs/types.js"
import type { Task, TaskStatus } from "./types.js"

export const taskActionKinds = ["start", "stop", "complete", "cancel", "reopen", "assign"] as const
export type TaskActionKind = (typeof taskActionKinds)[number]

export type TaskAction =
  | { readonly kind: Exclude<TaskActionKind, "complete"> }
  | {
    readonly kind: "complete"
    readonly force: boolean
    /** Subtasks (direct children) that are open or in progress; the service counts them. */
    readonly openSubtasks: number
  }

type TaskState = Pick<Task, "id" | "status">

const isFinished = (status: TaskStatus): boolean => status === "done" || status === "cancelled"

const next = (status: TaskStatus, kind: TaskActionKind): TaskStatus | undefined => {
  switch (kind) {
    case "start":
      return status === "open" ? "in_progress" : undefined
    case "stop":
      return status === "in_progress" ? "open" : undefined
    case "complete":
      return isFinished(status) ? undefined : "done"
    case "cancel":
      return isFinished(status) ? undefined : "cancelled"
    case "reopen":
      return isFinished(status) ? "open" : undefined
    case "assign":
      return isFinished(status) ? undefined : status
  }
}

/** The status after `action`, InvalidTransition, or Conflict when completing over open subtasks. */
export const transition = (task: TaskState, action: TaskAction): Result.Result<TaskStatus, InvalidTransition | Conflict> => {
  const to = next(task.status, action.kind)
  if (to === undefined) return Result.fail(invalidTransition("task", task.id, task.status, action.kind))
  if (action.kind === "complete" && !action.force && action.openSubtasks > 0) {
    return Result.fail(
      conflict(
        "task",
        task.id,
        "open_subtasks",
        `task ${task.id} has ${action.openSubtasks} open subtask(s): finish them or complete with force`
      )
    )
  }
  return Result.succeed(to)
}

export const isOpen = (status: TaskStatus): boolean => !isFinished(status)

/** A subtask can be added only under an unfinished task (reopen the parent first). */
export const checkAddSubtask = (parent: TaskState): Result.Result<void, InvalidTransition> =>
  isFinished(parent.status)
    ? Result.fail(invalidTransition("task", parent.id, parent.status, "create_subtask", "reopen it first"))
    : Result.succeed(undefined)

/**
 * Ids of the descendants of `rootId` that a cancel of it cancels (unfinished ones, any depth), from a
 * flat list of tasks (the repository's recursive query of the subtree).
 */
export const cascadeCancel = (
  rootId: string,
  tasks: ReadonlyArray<Pick<Task, "id" | "status" | "parent_id">>
): ReadonlyArray<string> => {
  const children = new Map<string, Array<Pick<Task, "id" | "status" | "parent_id">>>()
  for (const task of tasks) {
    if (task.parent_id === null) continue
    const list = children.get(task.parent_id) ?? []
    list.push(task)
    children.set(task.parent_id, list)
  }
  const out: Array<string> = []
  const seen = new Set<string>([rootId])
  const queue = [rootId]
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const child of children.get(id) ?? []) {
      if (seen.has(child.id)) continue
      seen.add(child.id)
      if (isOpen(child.status)) out.push(child.id)
      queue.push(child.id)
    }
  }
  return out
}

/** Ids of the linked jobs a cancelled task cancels: those not started yet. */
export const jobsToCancel = (jobs: ReadonlyArray<{ readonly id: string; readonly status: JobStatus }>): ReadonlyArray<string> =>
  jobs.filter((job) => isCancellableByTask(job.status)).map((job) => job.id)

/**
 * How a task moves when its linked jobs change (the TaskService's subscription to job events):
 * - a job started running and the task is open -> `start`;
 * - every linked job that was not cancelled succeeded (at least one) -> `complete` (without force: open
 *   subtasks keep the task where it is, the Conflict is expected and swallowed);
 * - a job failed and none is still pending, scheduled or running -> `stop` (back to open: a person looks);
 * - a finished task never moves on its own.
 */
export const actionForJobs = (status: TaskStatus, jobs: ReadonlyArray<JobStatus>): TaskActionKind | undefined => {
  if (isFinished(status)) return undefined
  const live = jobs.filter((job) => job !== "cancelled")
  if (live.length > 0 && live.every((job) => job === "succeeded")) return "complete"
  const waiting = live.some((job) => job === "pending" || job === "scheduled" || job === "running")
  if (live.some((job) => job === "failed") && !waiting) return status === "in_progress" ? "stop" : undefined
  if (live.some((job) => job === "running") && status === "open") return "start"
  return undefined
}
