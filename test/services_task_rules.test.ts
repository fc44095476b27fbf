import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Result } from "effect"
import { decodeCursor, encodeCursor, nextCursor } from "../src/services/Cursor.js"
import type { JobStatus } from "../src/services/jobs/types.js"
import { decodeStrict } from "../src/services/fields.js"
import {
  actionForJobs,
  cascadeCancel,
  checkAddSubtask,
  jobsToCancel,
  type TaskAction,
  type TaskActionKind,
  taskActionKinds,
  transition
} from "../src/services/tasks/transitions.js"
import { type TaskStatus, taskStatuses, TaskUpdate } from "../src/services/tasks/types.js"

const id = "7d3f0c22-1b2a-4e0f-8a9b-3c4d5e6f7a80"

// Every state x action; "-" is InvalidTransition. `complete` here has no open subtasks.
const table: Record<TaskStatus, Record<TaskActionKind, TaskStatus | "-">> = {
  open: { start: "in_progress", stop: "-", complete: "done", cancel: "cancelled", reopen: "-", assign: "open" },
  in_progress: { start: "-", stop: "open", complete: "done", cancel: "cancelled", reopen: "-", assign: "in_progress" },
  done: { start: "-", stop: "-", complete: "-", cancel: "-", reopen: "open", assign: "-" },
  cancelled: { start: "-", stop: "-", complete: "-", cancel: "-", reopen: "open", assign: "-" }
}

const actionOf = (kind: TaskActionKind, openSubtasks = 0, force = false): TaskAction =>
  kind === "complete" ? { kind, openSubtasks, force } : { kind }

const outcome = (status: TaskStatus, action: TaskAction): string =>
  Result.match(transition({ id, status }, action), { onSuccess: (to) => to, onFailure: (error) => error._tag })

describe("task status rules", () => {
  for (const status of taskStatuses) {
    for (const kind of taskActionKinds) {
      const expected = table[status][kind]
      it(`${status} --${kind}--> ${expected}`, () => {
        assert.strictEqual(outcome(status, actionOf(kind)), expected === "-" ? "InvalidTransition" : expected)
      })
    }
  }

  for (const status of ["open", "in_progress"] as const) {
    it(`${status}: complete over open subtasks is a Conflict unless forced`, () => {
      const refused = transition({ id, status }, actionOf("complete", 2))
      assert.isTrue(Result.isFailure(refused))
      if (Result.isFailure(refused)) {
        assert.strictEqual(refused.failure._tag, "Conflict")
        if (refused.failure._tag === "Conflict") assert.strictEqual(refused.failure.reason, "open_subtasks")
      }
      assert.strictEqual(outcome(status, actionOf("complete", 2, true)), "done")
    })
  }

  it("a finished task is not completed again even with force (InvalidTransition wins over subtasks)", () => {
    assert.strictEqual(outcome("done", actionOf("complete", 3, true)), "InvalidTransition")
  })

  it("subtasks go only under an unfinished task", () => {
    for (const status of taskStatuses) {
      assert.strictEqual(Result.isSuccess(checkAddSubtask({ id, status })), status === "open" || status === "in_progress", status)
    }
  })

  it("cancel cascades to unfinished descendants at any depth, leaving done ones and strangers", () => {
    const tasks = [
      { id: "a", status: "open" as const, parent_id: "root" },
      { id: "b", status: "done" as const, parent_id: "root" },
      { id: "c", status: "in_progress" as const, parent_id: "b" },
      { id: "d", status: "cancelled" as const, parent_id: "a" },
      { id: "e", status: "open" as const, parent_id: "d" },
      { id: "x", status: "open" as const, parent_id: "other" },
      { id: "root", status: "open" as const, parent_id: null }
    ]
    assert.deepStrictEqual([...cascadeCancel("root", tasks)].sort(), ["a", "c", "e"])
  })

  it("a cancelled task cancels its linked jobs that have not started", () => {
    const jobs = (["pending", "scheduled", "running", "succeeded", "failed", "cancelled"] as const).map((status) => ({ id: status, status }))
    assert.deepStrictEqual(jobsToCancel(jobs), ["pending", "scheduled"])
  })

  const cases: ReadonlyArray<[TaskStatus, ReadonlyArray<JobStatus>, TaskActionKind | undefined]> = [
    ["open", ["running"], "start"],
    ["in_progress", ["running"], undefined],
    ["in_progress", ["succeeded", "succeeded"], "complete"],
    ["open", ["succeeded", "cancelled"], "complete"],
    ["in_progress", ["succeeded", "running"], undefined],
    ["in_progress", ["failed", "succeeded"], "stop"],
    ["in_progress", ["failed", "pending"], undefined],
    ["open", ["failed"], undefined],
    ["open", ["cancelled"], undefined],
    ["open", [], undefined],
    ["done", ["running"], undefined],
    ["cancelled", ["succeeded"], undefined]
  ]
  for (const [status, jobs, expected] of cases) {
    it(`task ${status} with jobs [${jobs.join(", ")}] -> ${expected ?? "stays"}`, () => {
      assert.strictEqual(actionForJobs(status, jobs), expected)
    })
  }

  it.effect("a task update refuses unknown fields and empty updates, naming the field", () =>
    Effect.gen(function*() {
      const decode = decodeStrict(TaskUpdate)
      const unknownField = yield* Effect.flip(decode({ title: "x", status: "done" }))
      assert.strictEqual(unknownField._tag, "Validation")
      assert.strictEqual(unknownField.field, "status")
      const empty = yield* Effect.flip(decode({}))
      assert.include(empty.message, "at least one field")
      const ok = yield* decode({ priority: "high", description: null })
      assert.deepStrictEqual(ok, { priority: "high", description: null })
    }))
})

describe("listing cursor", () => {
  it.effect("round-trips the last row's key and refuses anything else as a Validation on cursor", () =>
    Effect.gen(function*() {
      const key = { created_at: DateTime.makeUnsafe("2026-12-07T07:39:33.731Z"), id }
      const cursor = encodeCursor(key)
      assert.match(cursor, /^[A-Za-z0-9_-]+$/)
      const back = yield* decodeCursor(cursor)
      assert.strictEqual(back.id, id)
      assert.isTrue(DateTime.Equivalence(back.created_at, key.created_at))
      assert.strictEqual(nextCursor([key], 1), cursor)
      assert.strictEqual(nextCursor([key], 2), undefined)
      const notBase64 = "'; DROP TABLE tasks; --"
      const notJson = Buffer.from("{nope", "utf8").toString("base64url")
      const extra = Buffer.from(JSON.stringify({ t: "2026-12-07T07:39:33.731Z", id, x: 1 }), "utf8").toString("base64url")
      for (const bad of [notBase64, notJson, extra, "", "a".repeat(600)]) {
        const error = yield* Effect.flip(decodeCursor(bad))
        assert.deepStrictEqual([error._tag, error.field], ["Validation", "cursor"])
      }
    }))
})
