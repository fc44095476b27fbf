/**
 * The permission matrix: every TaskService operation on a task the owner made and assigned, tried by
 * the owner, the assignee, another user, an operator and an admin. "NotFound" is what an actor who may
 * not see the task gets (as for a missing id); "Forbidden" only for an actor who sees it. A refused
 * operation appends no outbox event; an allowed write appends at least one.
 */
import { assert, describe, type Vitest } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import type { Actor } from "../../src/services/Actor.js"
import { TaskService } from "../../src/services/tasks/TaskService.js"
import { type Cast, eventsSince, freshCast, insertJob, outboxMark, outcome, type taskServiceLayer } from "./taskServiceSupport.js"

type Role = keyof Cast
type Expected = Readonly<Record<Role, "ok" | "NotFound" | "Forbidden">>

interface Fixture {
  readonly cast: Cast
  readonly taskId: string
  /** A job of the owner's, not linked. */
  readonly jobId: string
  /** A job of the owner's, linked to the task. */
  readonly linkedJobId: string
}

type Operation = (tasks: TaskService["Service"], actor: Actor, fixture: Fixture) => Effect.Effect<unknown, { readonly _tag: string }>

const all = (value: "ok" | "NotFound" | "Forbidden"): Expected => ({ owner: value, assignee: value, other: value, operator: value, admin: value })
const worker: Expected = { ...all("ok"), other: "NotFound" }
const ownerOnly: Expected = { ...worker, assignee: "Forbidden" }
const adminOnly: Expected = { owner: "Forbidden", assignee: "Forbidden", other: "NotFound", operator: "Forbidden", admin: "ok" }

const matrix: ReadonlyArray<readonly [string, Operation, Expected, { readonly reads?: boolean; readonly done?: boolean }?]> = [
  ["get", (tasks, actor, f) => tasks.get(actor, f.taskId), worker, { reads: true }],
  ["subtasks", (tasks, actor, f) => tasks.subtasks(actor, f.taskId), worker, { reads: true }],
  ["update", (tasks, actor, f) => tasks.update(actor, f.taskId, { priority: "low" }), worker],
  ["complete", (tasks, actor, f) => tasks.complete(actor, f.taskId), worker],
  ["reopen", (tasks, actor, f) => tasks.reopen(actor, f.taskId), worker, { done: true }],
  ["createSubtask", (tasks, actor, f) => tasks.createSubtask(actor, f.taskId, { title: "sub" }), worker],
  ["assign", (tasks, actor, f) => tasks.assign(actor, f.taskId, f.cast.other.userId), ownerOnly],
  ["cancel", (tasks, actor, f) => tasks.cancel(actor, f.taskId, "why"), ownerOnly],
  ["linkJob", (tasks, actor, f) => tasks.linkJob(actor, f.taskId, f.jobId), ownerOnly],
  ["unlinkJob", (tasks, actor, f) => tasks.unlinkJob(actor, f.taskId, f.linkedJobId), ownerOnly],
  ["delete", (tasks, actor, f) => tasks.delete(actor, f.taskId), adminOnly]
]

const roles: ReadonlyArray<Role> = ["owner", "assignee", "other", "operator", "admin"]

const fixture = (done: boolean) =>
  Effect.gen(function*() {
    const tasks = yield* TaskService
    const cast = freshCast()
    const jobId = yield* insertJob(cast.owner.userId)
    const linkedJobId = yield* insertJob(cast.owner.userId)
    const task = yield* tasks.create(cast.owner, { title: "matrix", assignee_user_id: cast.assignee.userId, job_ids: [linkedJobId] })
    if (done) yield* tasks.complete(cast.owner, task.id)
    return { cast, taskId: task.id, jobId, linkedJobId }
  })

export const taskMatrixTests = (it: Vitest.MethodsNonLive<Layer.Success<ReturnType<typeof taskServiceLayer>>>) =>
  describe("permission matrix (owner / assignee / other / operator / admin)", () => {
    for (const [name, operation, expected, options] of matrix) {
      it.effect(`${name}: ${roles.map((role) => `${role} ${expected[role]}`).join(", ")}`, () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          for (const role of roles) {
            const f = yield* fixture(options?.done === true)
            const mark = yield* outboxMark
            const got = yield* outcome(operation(tasks, f.cast[role], f))
            assert.strictEqual(got, expected[role], `${name} by ${role}`)
            const appended = (yield* eventsSince(mark)).length
            if (got !== "ok" || options?.reads === true) assert.strictEqual(appended, 0, `${name} by ${role}: events`)
            else assert.isAbove(appended, 0, `${name} by ${role}: events`)
          }
        }))
    }
  })
