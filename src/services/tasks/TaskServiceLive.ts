/**
 * The TaskService layer: permissions (./permissions.ts) and lifecycle rules (./transitions.ts) over
 * TaskRepository. Every write is ONE SQL transaction that locks the task, changes it and appends its bus
 * events to the outbox, so an event exists exactly when its change committed, and a refused write
 * leaves neither. An infrastructure failure (SqlError) is a defect here: the interface's error channel
 * is the seed's OperationResult, and a caller cannot act on a lost connection differently than on a bug.
 *
 * Subtasks belong to the tree's owner (the parent's owner), so the owner sees and can cancel everything
 * under their task; when someone else (the parent's assignee) adds one, it is assigned to them.
 */
import { Effect, Layer, Result, Schema } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import type { UserId } from "../../contracts/UserId.js"
import type { Actor } from "../Actor.js"
import { decodeCursor, encodeCursor } from "../Cursor.js"
import { conflict, notFound } from "../errors.js"
import { defaultPageSize, defaultPriority, decodeStrict } from "../fields.js"
import { JobPermissions } from "../jobs/permissions.js"
import { Outbox } from "../outbox/Outbox.js"
import { type TaskOperation, TaskPermissions } from "./permissions.js"
import { TaskRepository } from "./TaskRepository.js"
import { TaskService } from "./TaskService.js"
import { appendTaskEvents, cancelled, statusChanged, type TaskEventDraft, updated } from "./taskOutbox.js"
import { cascadeCancel, checkAddSubtask, type TaskAction, transition } from "./transitions.js"
import { type Task, TaskCreate, TaskFilters, TaskUpdate } from "./types.js"

/** Typed inputs are checked again on their Type side: a JS caller's unknown field or bad title is a Validation. */
const checkCreate = decodeStrict(Schema.toType(TaskCreate))
const checkUpdate = decodeStrict(Schema.toType(TaskUpdate))
const checkFilters = decodeStrict(Schema.toType(TaskFilters))

const fromResult = <A, E>(result: Result.Result<A, E>): Effect.Effect<A, E> =>
  Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure)

const read = <A>(effect: Effect.Effect<A, SqlError.SqlError>): Effect.Effect<A> => Effect.orDie(effect)

const emit = (actor: Actor, drafts: ReadonlyArray<TaskEventDraft>) => appendTaskEvents(actor.userId, drafts)

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const repo = yield* TaskRepository
  const outbox = yield* Outbox
  const permissions = yield* TaskPermissions
  const jobPermissions = yield* JobPermissions

  /** One transaction; the outbox is provided so events join it. */
  const write = <A, E>(effect: Effect.Effect<A, E, Outbox>) =>
    sql.withTransaction(effect.pipe(Effect.provideService(Outbox, outbox))).pipe(Effect.catchIf(SqlError.isSqlError, Effect.die))
  /** The task, row-locked, when the actor may do `operation` on it. */
  const lock = (actor: Actor, id: string, operation: TaskOperation) =>
    repo.findForUpdate(id).pipe(
      Effect.flatMap((task) => (task === undefined ? Effect.fail(notFound("task", id)) : Effect.succeed(task))),
      Effect.tap((task) => permissions.check(actor, operation, task))
    )

  const reread = (id: string) =>
    repo.findById(id).pipe(Effect.flatMap((task) => (task === undefined ? Effect.die(`task ${id} vanished`) : Effect.succeed(task))))

  /** Links jobs the actor sees (a job they may not see is NotFound, like a missing one). */
  const linkChecked = (actor: Actor, task: Task, jobIds: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      if (jobIds.length === 0) return
      yield* permissions.check(actor, "link_job", task)
      const found = yield* repo.jobs(jobIds)
      for (const jobId of jobIds) {
        const job = found.find((candidate) => candidate.id === jobId.toLowerCase())
        if (job === undefined) return yield* Effect.fail(notFound("job", jobId))
        yield* jobPermissions.check(actor, "link_task", job)
      }
      yield* repo.link(task.id, found.map((job) => job.id))
    })

  const changeStatus = (actor: Actor, id: string, operation: TaskOperation, action: (task: Task) => Effect.Effect<TaskAction>) =>
    write(Effect.gen(function*() {
      const task = yield* lock(actor, id, operation)
      const act = yield* action(task)
      const to = yield* fromResult(transition(task, act))
      yield* repo.setStatus([task.id], to)
      const drafts: Array<TaskEventDraft> = [statusChanged(task, task.status, to)]
      if (act.kind === "complete") {
        drafts.push({ type: "task.completed.v1", task_id: task.id, user_id: task.user_id, forced: act.force && act.openSubtasks > 0 })
      }
      yield* emit(actor, drafts)
      return yield* reread(task.id)
    }))

  const insertTask = (actor: Actor, input: TaskCreate, owner: UserId, assignee: UserId | null, parentId: string | null) =>
    Effect.gen(function*() {
      const task = yield* repo.insert({
        user_id: owner,
        assignee_user_id: assignee,
        title: input.title,
        description: input.description ?? null,
        status: "open",
        priority: input.priority ?? defaultPriority,
        parent_id: parentId,
        due_at: input.due_at ?? null
      })
      yield* linkChecked(actor, task, input.job_ids ?? [])
      yield* emit(actor, [{
        type: "task.created.v1",
        task_id: task.id,
        user_id: task.user_id,
        title: task.title,
        status: task.status,
        priority: task.priority,
        ...(parentId === null ? {} : { parent_id: parentId })
      }])
      return yield* reread(task.id)
    })

  const get = (actor: Actor, id: string) =>
    read(repo.findById(id)).pipe(
      Effect.flatMap((task) => (task === undefined ? Effect.fail(notFound("task", id)) : Effect.succeed(task))),
      Effect.tap((task) => permissions.check(actor, "view", task))
    )

  const list = (actor: Actor, raw: TaskFilters) =>
    Effect.gen(function*() {
      const filters: TaskFilters = yield* checkFilters(raw)
      const after = filters.cursor === undefined ? undefined : yield* decodeCursor(filters.cursor)
      const limit = filters.limit ?? defaultPageSize
      // One row more than the page: its presence says whether a next page exists.
      const rows = yield* read(repo.list(permissions.scopeFilters(actor, filters), after, limit + 1))
      const items = rows.slice(0, limit)
      const last = items.at(-1)
      return { items, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null }
    })

  return TaskService.of({
    create: (actor, raw) =>
      Effect.gen(function*() {
        const input: TaskCreate = yield* checkCreate(raw)
        const owner = yield* permissions.ownerForCreate(actor, input.user_id)
        return yield* write(insertTask(actor, input, owner, input.assignee_user_id ?? null, null))
      }),
    get,
    update: (actor, id, raw) =>
      Effect.gen(function*() {
        const input: TaskUpdate = yield* checkUpdate(raw)
        return yield* write(Effect.gen(function*() {
          const task = yield* lock(actor, id, "update")
          yield* repo.update(task.id, input)
          yield* emit(actor, [updated(task, Object.keys(input))])
          return yield* reread(task.id)
        }))
      }),
    delete: (actor, id) =>
      write(Effect.gen(function*() {
        const task = yield* lock(actor, id, "delete")
        const below = yield* repo.subtree(task.id)
        yield* repo.delete(task.id)
        // Subtasks go with their parent (ON DELETE CASCADE): each gets its own event.
        yield* emit(actor, [task, ...below].map((gone): TaskEventDraft => ({ type: "task.deleted.v1", task_id: gone.id, user_id: gone.user_id })))
      })),
    list,
    assign: (actor, id, assignee) =>
      write(Effect.gen(function*() {
        const task = yield* lock(actor, id, "assign")
        yield* fromResult(transition(task, { kind: "assign" }))
        if (task.assignee_user_id === assignee) return task
        yield* repo.setAssignee(task.id, assignee)
        yield* emit(actor, [{ type: "task.assigned.v1", task_id: task.id, user_id: task.user_id, assignee_user_id: assignee }])
        return yield* reread(task.id)
      })),
    complete: (actor, id, options) =>
      changeStatus(actor, id, "complete", (task) =>
        read(repo.countOpenChildren(task.id)).pipe(
          Effect.map((openSubtasks): TaskAction => ({ kind: "complete", force: options?.force === true, openSubtasks }))
        )),
    cancel: (actor, id, reason) =>
      write(Effect.gen(function*() {
        const task = yield* lock(actor, id, "cancel")
        const to = yield* fromResult(transition(task, { kind: "cancel" }))
        const below = yield* repo.subtree(task.id)
        const cascaded = new Set(cascadeCancel(task.id, below))
        const hit = below.filter((node) => cascaded.has(node.id))
        yield* repo.setStatus([task.id, ...hit.map((node) => node.id)], to)
        yield* emit(actor, [
          statusChanged(task, task.status, to),
          cancelled(task, reason),
          ...hit.flatMap((node) => [statusChanged(node, node.status, to), cancelled(node, reason, task.id)])
        ])
        return yield* reread(task.id)
      })),
    reopen: (actor, id) => changeStatus(actor, id, "reopen", () => Effect.succeed({ kind: "reopen" })),
    createSubtask: (actor, parentId, raw) =>
      Effect.gen(function*() {
        const input: TaskCreate = yield* checkCreate(raw)
        return yield* write(Effect.gen(function*() {
          const parent = yield* lock(actor, parentId, "create_subtask")
          yield* fromResult(checkAddSubtask(parent))
          const owner = input.user_id === undefined ? parent.user_id : yield* permissions.ownerForCreate(actor, input.user_id)
          // Naming someone else as assignee is assigning: the parent's assignee may not.
          if (input.assignee_user_id !== undefined && input.assignee_user_id !== actor.userId) {
            yield* permissions.check(actor, "assign", parent)
          }
          const assignee = input.assignee_user_id ?? (owner === actor.userId ? null : actor.userId)
          return yield* insertTask(actor, input, owner, assignee, parent.id)
        }))
      }),
    subtasks: (actor, parentId) =>
      get(actor, parentId).pipe(
        Effect.flatMap((parent) => read(repo.children(parent.id))),
        Effect.map((children) => children.filter((child) => permissions.canView(actor, child)))
      ),
    linkJob: (actor, id, jobId) =>
      write(Effect.gen(function*() {
        const task = yield* lock(actor, id, "link_job")
        if (task.job_ids.includes(jobId.toLowerCase())) {
          return yield* Effect.fail(conflict("task", task.id, "already_exists", `job ${jobId} is already linked to task ${task.id}`))
        }
        yield* linkChecked(actor, task, [jobId])
        yield* emit(actor, [updated(task, ["job_ids"])])
        return yield* reread(task.id)
      })),
    unlinkJob: (actor, id, jobId) =>
      write(Effect.gen(function*() {
        const task = yield* lock(actor, id, "link_job")
        const removed = yield* repo.unlink(task.id, jobId)
        if (!removed) return yield* Effect.fail(notFound("job", jobId))
        yield* emit(actor, [updated(task, ["job_ids"])])
        return yield* reread(task.id)
      }))
  })
})

/** Needs TaskRepository, TaskPermissions, JobPermissions, Outbox and SqlClient (tests swap any of them). */
export const layerWithoutDependencies = Layer.effect(TaskService, make)

/** The TaskService over its repository and the standard permission rules; needs SqlClient and Outbox. */
export const layer = layerWithoutDependencies.pipe(
  Layer.provide([TaskRepository.layer, TaskPermissions.layer, JobPermissions.layer])
)
