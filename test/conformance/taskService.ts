/**
 * The TaskService on a database (run on the embedded PGlite and on a real PostgreSQL): CRUD, the
 * permission matrix of every operation for owner / assignee / other user / operator / admin (NotFound
 * for what the actor may not see, Forbidden for what they see), lifecycle refusals, subtasks, keyset
 * pagination and filters, the outbox rows each write appends (none when it is refused), and the
 * cross-service rule driven by linked jobs' statuses.
 */
import { assert, describe, layer } from "@effect/vitest"
import { DateTime, Effect, type Layer } from "effect"
import type { Actor } from "../../src/services/Actor.js"
import type { TaskBusEvent } from "../../src/services/tasks/events.js"
import { TaskService } from "../../src/services/tasks/TaskService.js"
import type { Database } from "../../src/sql/Database.js"
import { eventsSince, freshCast, insertJob, outboxMark, outcome, summary, taskServiceLayer } from "./taskServiceSupport.js"
import { taskLinkTests } from "./taskServiceLinks.js"
import { taskMatrixTests } from "./taskServiceMatrix.js"

const hostileTitle = `'); DROP TABLE tasks; -- $1 \\ " ' é漢`

export const taskServiceSuite = (name: string, database: Layer.Layer<Database, unknown>) =>
  layer(taskServiceLayer(database), { excludeTestServices: true, timeout: "120 seconds" })(`TaskService on ${name}`, (it) => {
    describe("create, read, update, delete", () => {
      it.effect("stores every field verbatim (SQL-looking title, 64-bit ids) and records created/updated/deleted", () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          const cast = freshCast()
          const due = DateTime.makeUnsafe("2031-05-06T07:08:09.123Z")
          const mark = yield* outboxMark
          const task = yield* tasks.create(cast.owner, {
            title: hostileTitle,
            description: "line 1\nline 2; DELETE FROM tasks",
            priority: "high",
            assignee_user_id: cast.assignee.userId,
            due_at: due
          })
          const got = yield* tasks.get(cast.assignee, task.id)
          assert.deepStrictEqual(got, task)
          assert.strictEqual(got.title, hostileTitle)
          assert.strictEqual(got.user_id, cast.owner.userId)
          assert.strictEqual(got.assignee_user_id, cast.assignee.userId)
          assert.strictEqual(got.status, "open")
          assert.strictEqual(got.priority, "high")
          assert.strictEqual(got.parent_id, null)
          assert.deepStrictEqual(got.job_ids, [])
          assert.strictEqual(got.due_at === null ? "" : DateTime.formatIso(got.due_at), "2031-05-06T07:08:09.123Z")
          const created = yield* eventsSince(mark)
          assert.deepStrictEqual(created.map((event) => ({ ...event, event_id: "", occurred_at: "" })), [{
            type: "task.created.v1",
            event_id: "",
            occurred_at: "",
            actor_user_id: cast.owner.userId,
            task_id: task.id,
            user_id: cast.owner.userId,
            title: hostileTitle,
            status: "open",
            priority: "high"
          }])

          const mark2 = yield* outboxMark
          const changed = yield* tasks.update(cast.assignee, task.id, { title: "renamed", description: null, due_at: null })
          assert.strictEqual(changed.title, "renamed")
          assert.strictEqual(changed.description, null)
          assert.strictEqual(changed.due_at, null)
          const updateEvents = yield* eventsSince(mark2)
          assert.deepStrictEqual(summary(updateEvents), [`task.updated.v1 ${task.id}`])
          const first = updateEvents[0]
          assert.deepStrictEqual(first?.type === "task.updated.v1" ? [...first.fields].sort() : [], ["description", "due_at", "title"])
          assert.strictEqual(first?.actor_user_id, cast.assignee.userId)

          const child = yield* tasks.createSubtask(cast.owner, task.id, { title: "child" })
          const mark3 = yield* outboxMark
          yield* tasks.delete(cast.admin, task.id)
          assert.deepStrictEqual(summary(yield* eventsSince(mark3)), [`task.deleted.v1 ${task.id}`, `task.deleted.v1 ${child.id}`])
          assert.strictEqual(yield* outcome(tasks.get(cast.owner, task.id)), "NotFound")
          assert.strictEqual(yield* outcome(tasks.get(cast.admin, child.id)), "NotFound")
        }))

      it.effect("refuses unknown fields, empty updates and bad titles with Validation, writing nothing", () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          const cast = freshCast()
          const mark = yield* outboxMark
          const typo = { title: "typo", priorty: "high" }
          const error = yield* tasks.create(cast.owner, typo).pipe(Effect.flip)
          assert.strictEqual(error._tag, "Validation")
          assert.strictEqual(yield* outcome(tasks.create(cast.owner, { title: " padded " })), "Validation")
          assert.strictEqual(yield* outcome(tasks.create(cast.owner, { title: "" })), "Validation")
          const task = yield* tasks.create(cast.owner, { title: "kept" })
          assert.strictEqual(yield* outcome(tasks.update(cast.owner, task.id, {})), "Validation")
          const sneaky = { title: "x", status: "done" }
          assert.strictEqual(yield* outcome(tasks.update(cast.owner, task.id, sneaky)), "Validation")
          assert.deepStrictEqual(summary(yield* eventsSince(mark)), [`task.created.v1 ${task.id}`])
          assert.strictEqual(yield* outcome(tasks.get(cast.owner, "not-a-uuid")), "NotFound")
          assert.strictEqual(yield* outcome(tasks.get(cast.owner, "00000000-0000-4000-8000-000000000000")), "NotFound")
        }))

      it.effect("a user creates only for themselves; an operator for anyone", () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          const cast = freshCast()
          assert.strictEqual(yield* outcome(tasks.create(cast.owner, { title: "t", user_id: cast.other.userId })), "Forbidden")
          const made = yield* tasks.create(cast.operator, { title: "t", user_id: cast.other.userId })
          assert.strictEqual(made.user_id, cast.other.userId)
          assert.strictEqual((yield* tasks.get(cast.other, made.id)).id, made.id)
        }))
    })

    taskMatrixTests(it)

    describe("lifecycle", () => {
      it.effect("refuses transitions the rules do not allow, appending no event", () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          const { owner } = freshCast()
          const open = yield* tasks.create(owner, { title: "open" })
          const cancelledTask = yield* tasks.create(owner, { title: "to cancel" })
          yield* tasks.cancel(owner, cancelledTask.id, "not needed")
          const done = yield* tasks.create(owner, { title: "to finish" })
          const beforeComplete = yield* outboxMark
          yield* tasks.complete(owner, done.id)
          const completion = yield* eventsSince(beforeComplete)
          assert.deepStrictEqual(summary(completion), [`task.status_changed.v1 ${done.id}`, `task.completed.v1 ${done.id}`])
          assert.isTrue(completion[1]?.type === "task.completed.v1" && !completion[1].forced)
          const mark = yield* outboxMark
          const refusals = [
            tasks.reopen(owner, open.id),
            tasks.complete(owner, cancelledTask.id),
            tasks.complete(owner, done.id),
            tasks.cancel(owner, done.id, "late"),
            tasks.assign(owner, done.id, 5n),
            tasks.createSubtask(owner, done.id, { title: "under done" })
          ]
          for (const refusal of refusals) assert.strictEqual(yield* outcome(refusal), "InvalidTransition")
          assert.deepStrictEqual(yield* eventsSince(mark), [])
          const reopened = yield* tasks.reopen(owner, cancelledTask.id)
          assert.strictEqual(reopened.status, "open")
          assert.deepStrictEqual(summary(yield* eventsSince(mark)), [`task.status_changed.v1 ${cancelledTask.id}`])
        }))
    })

    describe("subtasks", () => {
      it.effect("complete is refused over open subtasks unless forced; force leaves the subtasks as they are", () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          const { owner } = freshCast()
          const parent = yield* tasks.create(owner, { title: "parent" })
          const child = yield* tasks.createSubtask(owner, parent.id, { title: "child" })
          const mark = yield* outboxMark
          const refused = yield* tasks.complete(owner, parent.id).pipe(Effect.flip)
          assert.strictEqual(refused._tag === "Conflict" ? refused.reason : refused._tag, "open_subtasks")
          assert.deepStrictEqual(yield* eventsSince(mark), [])
          const forced = yield* tasks.complete(owner, parent.id, { force: true })
          assert.strictEqual(forced.status, "done")
          const events = yield* eventsSince(mark)
          assert.deepStrictEqual(summary(events), [`task.status_changed.v1 ${parent.id}`, `task.completed.v1 ${parent.id}`])
          const completed = events[1]
          assert.isTrue(completed?.type === "task.completed.v1" && completed.forced)
          assert.strictEqual((yield* tasks.get(owner, child.id)).status, "open")
          assert.deepStrictEqual((yield* tasks.subtasks(owner, parent.id)).map((task) => task.id), [child.id])
        }))

      it.effect("cancel cascades to unfinished subtasks at every depth in one write; done ones stay done", () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          const { owner } = freshCast()
          const root = yield* tasks.create(owner, { title: "root" })
          const doneChild = yield* tasks.createSubtask(owner, root.id, { title: "done child" })
          const underDone = yield* tasks.createSubtask(owner, doneChild.id, { title: "under the done child" })
          yield* tasks.complete(owner, doneChild.id, { force: true })
          const openChild = yield* tasks.createSubtask(owner, root.id, { title: "open child" })
          const grandchild = yield* tasks.createSubtask(owner, openChild.id, { title: "grandchild" })
          const mark = yield* outboxMark
          const cancelled = yield* tasks.cancel(owner, root.id, "plan changed")
          assert.strictEqual(cancelled.status, "cancelled")
          for (const id of [underDone.id, openChild.id, grandchild.id]) assert.strictEqual((yield* tasks.get(owner, id)).status, "cancelled")
          assert.strictEqual((yield* tasks.get(owner, doneChild.id)).status, "done")
          const events = yield* eventsSince(mark)
          const cancelEvents = events.filter((event): event is Extract<TaskBusEvent, { type: "task.cancelled.v1" }> => event.type === "task.cancelled.v1")
          assert.deepStrictEqual(cancelEvents.map((event) => [event.task_id, event.reason, event.cascaded_from]).sort(), [
            [root.id, "plan changed", undefined],
            [underDone.id, "plan changed", root.id],
            [openChild.id, "plan changed", root.id],
            [grandchild.id, "plan changed", root.id]
          ].sort())
          assert.strictEqual(events.filter((event) => event.type === "task.status_changed.v1").length, 4)
        }))

      it.effect("a subtask's parent must be visible; the assignee's subtask belongs to the owner and is assigned to them", () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          const cast = freshCast()
          const parent = yield* tasks.create(cast.owner, { title: "parent", assignee_user_id: cast.assignee.userId })
          assert.strictEqual(yield* outcome(tasks.createSubtask(cast.other, parent.id, { title: "sneak" })), "NotFound")
          assert.strictEqual(yield* outcome(tasks.subtasks(cast.other, parent.id)), "NotFound")
          assert.strictEqual(
            yield* outcome(tasks.createSubtask(cast.assignee, parent.id, { title: "hand off", assignee_user_id: cast.other.userId })),
            "Forbidden"
          )
          const sub = yield* tasks.createSubtask(cast.assignee, parent.id, { title: "mine" })
          assert.strictEqual(sub.parent_id, parent.id)
          assert.strictEqual(sub.user_id, cast.owner.userId)
          assert.strictEqual(sub.assignee_user_id, cast.assignee.userId)
          const listed = yield* tasks.list(cast.owner, { parent_id: parent.id })
          assert.deepStrictEqual(listed.items.map((task) => task.id), [sub.id])
        }))
    })

    describe("outbox and rollback", () => {
      it.effect("a write refused halfway (a missing job among job_ids) leaves no task and no event", () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          const { owner } = freshCast()
          const mine = yield* insertJob(owner.userId)
          const mark = yield* outboxMark
          const missing = "00000000-0000-4000-8000-00000000abcd"
          const error = yield* tasks.create(owner, { title: "half", job_ids: [mine, missing] }).pipe(Effect.flip)
          assert.deepStrictEqual(error._tag === "NotFound" ? [error.entity, error.id] : [error._tag], ["job", missing])
          assert.deepStrictEqual(yield* eventsSince(mark), [])
          assert.deepStrictEqual((yield* tasks.list(owner, {})).items, [])
          const linked = yield* tasks.create(owner, { title: "whole", job_ids: [mine] })
          assert.deepStrictEqual(linked.job_ids, [mine])
        }))
    })

    taskLinkTests(it)

    describe("listing", () => {
      it.effect("pages newest first with a cursor, without repeats; a bad cursor is a Validation on cursor", () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          const { owner, other } = freshCast()
          const made: Array<string> = [] // newest first
          for (let i = 0; i < 5; i++) made.unshift((yield* tasks.create(owner, { title: `t${i}` })).id)
          const seen: Array<string> = []
          let cursor: string | null = null
          let pages = 0
          do {
            const page: { readonly items: ReadonlyArray<{ readonly id: string }>; readonly next_cursor: string | null } = yield* tasks.list(
              owner,
              cursor === null ? { limit: 2 } : { limit: 2, cursor }
            )
            seen.push(...page.items.map((task) => task.id))
            cursor = page.next_cursor
            pages++
          } while (cursor !== null && pages < 10)
          assert.strictEqual(pages, 3)
          assert.deepStrictEqual(seen, made)
          const bad = yield* tasks.list(owner, { cursor: "'; DROP TABLE tasks; --" }).pipe(Effect.flip)
          assert.deepStrictEqual(bad._tag === "Validation" ? bad.field : bad._tag, "cursor")
          assert.strictEqual(yield* outcome(tasks.list(owner, { cursor: "eyJ0IjoiMjAyMCJ9" })), "Validation")
          assert.deepStrictEqual((yield* tasks.list(other, { user_id: owner.userId })).items, [])
        }))

      it.effect("filters: status, priority, assignee, top level, parent, job, created range, due_before; visible_to narrows users", () =>
        Effect.gen(function*() {
          const tasks = yield* TaskService
          const cast = freshCast()
          const job = yield* insertJob(cast.owner.userId)
          const before = yield* DateTime.now
          const a = yield* tasks.create(cast.owner, { title: "a", priority: "high", due_at: DateTime.makeUnsafe("2030-01-01T00:00:00Z") })
          const b = yield* tasks.create(cast.owner, { title: "b", assignee_user_id: cast.assignee.userId, job_ids: [job] })
          const c = yield* tasks.createSubtask(cast.owner, a.id, { title: "c", priority: "low" })
          yield* tasks.complete(cast.owner, c.id)
          const ids = (actor: Actor, filters: Parameters<TaskService["Service"]["list"]>[1]) =>
            tasks.list(actor, { user_id: cast.owner.userId, ...filters }).pipe(Effect.map((page) => page.items.map((task) => task.id)))
          assert.deepStrictEqual(yield* ids(cast.owner, {}), [c.id, b.id, a.id])
          assert.deepStrictEqual(yield* ids(cast.owner, { status: ["done"] }), [c.id])
          assert.deepStrictEqual(yield* ids(cast.owner, { status: ["open", "in_progress"] }), [b.id, a.id])
          assert.deepStrictEqual(yield* ids(cast.owner, { priority: "high" }), [a.id])
          assert.deepStrictEqual(yield* ids(cast.owner, { assignee_user_id: cast.assignee.userId }), [b.id])
          assert.deepStrictEqual(yield* ids(cast.owner, { top_level: true }), [b.id, a.id])
          assert.deepStrictEqual(yield* ids(cast.owner, { parent_id: a.id }), [c.id])
          assert.deepStrictEqual(yield* ids(cast.owner, { job_id: job }), [b.id])
          assert.deepStrictEqual(yield* ids(cast.owner, { due_before: DateTime.makeUnsafe("2031-01-01T00:00:00Z") }), [a.id])
          assert.deepStrictEqual(yield* ids(cast.owner, { created_from: before }), [c.id, b.id, a.id])
          assert.deepStrictEqual(yield* ids(cast.owner, { created_to: before }), [])
          assert.deepStrictEqual(yield* ids(cast.assignee, {}), [b.id])
          assert.deepStrictEqual(yield* ids(cast.other, {}), [])
          assert.deepStrictEqual(yield* ids(cast.operator, {}), [c.id, b.id, a.id])
        }))
    })
  })
