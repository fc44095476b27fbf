import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { Actor } from "../src/services/Actor.js"
import { errorBody, httpStatusOf, notFound } from "../src/services/errors.js"
import { decideJob, type Decision, type JobOperation, jobOperations, JobPermissions } from "../src/services/jobs/permissions.js"
import { decideTask, type TaskOperation, taskOperations, TaskPermissions } from "../src/services/tasks/permissions.js"

const owner: Actor = { userId: 1_234_567_890_123_456_789n, roles: ["user"] }
const assignee: Actor = { userId: 22n, roles: ["user"] }
const other: Actor = { userId: 33n, roles: ["user"] }
const operator: Actor = { userId: 44n, roles: ["operator"] }
const admin: Actor = { userId: 55n, roles: ["admin"] }
const actors = { owner, assignee, other, operator, admin }
type Who = keyof typeof actors
const everyone: ReadonlyArray<Who> = ["owner", "assignee", "other", "operator", "admin"]

const job = { id: "0b4e7a51-6a3c-4c1e-9d55-2f4a8c0e9b11", user_id: owner.userId }
const task = { id: "7d3f0c22-1b2a-4e0f-8a9b-3c4d5e6f7a80", user_id: owner.userId, assignee_user_id: assignee.userId }

// Jobs have no assignee: "assignee" is just another user for them.
const jobExpected = (who: Who, operation: JobOperation): Decision =>
  who === "other" || who === "assignee"
    ? "not_found"
    : operation === "delete" && who !== "admin"
    ? "forbidden"
    : "allow"

const assigneeMay = new Set<TaskOperation>(["view", "update", "start", "stop", "complete", "reopen", "create_subtask"])
const taskExpected = (who: Who, operation: TaskOperation): Decision =>
  who === "other"
    ? "not_found"
    : operation === "delete"
    ? who === "admin" ? "allow" : "forbidden"
    : who === "assignee" && !assigneeMay.has(operation)
    ? "forbidden"
    : "allow"

const statusOf: Record<Decision, number | undefined> = { allow: undefined, not_found: 404, forbidden: 403 }

layer(Layer.mergeAll(JobPermissions.layer, TaskPermissions.layer))("permission matrix", (it) => {
  for (const who of everyone) {
    for (const operation of jobOperations) {
      const expected = jobExpected(who, operation)
      it.effect(`job ${operation} by ${who}: ${expected}`, () =>
        Effect.gen(function*() {
          assert.strictEqual(decideJob(actors[who], operation, job), expected)
          const permissions = yield* JobPermissions
          const exit = yield* Effect.result(permissions.check(actors[who], operation, job))
          assert.strictEqual(exit._tag === "Failure" ? httpStatusOf(exit.failure) : undefined, statusOf[expected])
          if (exit._tag === "Failure") assert.notInclude(exit.failure.message, String(owner.userId))
        }))
    }
    for (const operation of taskOperations) {
      const expected = taskExpected(who, operation)
      it.effect(`task ${operation} by ${who}: ${expected}`, () =>
        Effect.gen(function*() {
          assert.strictEqual(decideTask(actors[who], operation, task), expected)
          const permissions = yield* TaskPermissions
          const exit = yield* Effect.result(permissions.check(actors[who], operation, task))
          assert.strictEqual(exit._tag === "Failure" ? httpStatusOf(exit.failure) : undefined, statusOf[expected])
        }))
    }
  }

  it.effect("an invisible entity's NotFound is the same as a missing id's", () =>
    Effect.gen(function*() {
      const permissions = yield* JobPermissions
      const error = yield* Effect.flip(permissions.check(other, "view", job))
      assert.deepStrictEqual(errorBody(error), errorBody(notFound("job", job.id)))
      assert.deepStrictEqual(errorBody(error), { code: "NOT_FOUND", message: `job ${job.id} not found`, entity: "job", id: job.id })
      const denied = yield* Effect.flip(permissions.check(owner, "delete", job))
      assert.deepStrictEqual(errorBody(denied), {
        code: "FORBIDDEN",
        message: `not allowed to delete job ${job.id}`,
        entity: "job",
        id: job.id,
        operation: "delete"
      })
    }))

  it.effect("only operators and admins create for another owner", () =>
    Effect.gen(function*() {
      const jobs = yield* JobPermissions
      const tasks = yield* TaskPermissions
      assert.strictEqual(yield* jobs.ownerForCreate(owner, undefined), owner.userId)
      assert.strictEqual(yield* jobs.ownerForCreate(owner, owner.userId), owner.userId)
      assert.strictEqual((yield* Effect.flip(jobs.ownerForCreate(owner, other.userId)))._tag, "Forbidden")
      assert.strictEqual((yield* Effect.flip(tasks.ownerForCreate(assignee, owner.userId)))._tag, "Forbidden")
      assert.strictEqual(yield* jobs.ownerForCreate(operator, other.userId), other.userId)
      assert.strictEqual(yield* tasks.ownerForCreate(admin, other.userId), other.userId)
    }))

  it.effect("a user's listing is narrowed to what they see; operators' is not", () =>
    Effect.gen(function*() {
      const jobs = yield* JobPermissions
      const tasks = yield* TaskPermissions
      assert.deepStrictEqual(jobs.scopeFilters(other, { user_id: owner.userId }), { user_id: owner.userId, visible_to: other.userId })
      assert.deepStrictEqual(tasks.scopeFilters(assignee, { status: ["open"] }), { status: ["open"], visible_to: assignee.userId })
      assert.deepStrictEqual(jobs.scopeFilters(operator, { domain: "qr" }), { domain: "qr" })
      assert.deepStrictEqual(tasks.scopeFilters(admin, {}), {})
      assert.isTrue(tasks.canView(assignee, task))
      assert.isFalse(jobs.canView(assignee, job))
    }))
})
