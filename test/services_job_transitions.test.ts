import { assert, describe, it } from "@effect/vitest"
import { DateTime, Result } from "effect"
import { checkDelete, checkUpdate, type JobAction, jobActions, transition } from "../src/services/jobs/transitions.js"
import { type JobSchedule, type JobStatus, jobStatuses } from "../src/services/jobs/types.js"

const id = "0b4e7a51-6a3c-4c1e-9d55-2f4a8c0e9b11"
const once: JobSchedule = { kind: "at", run_at: DateTime.makeUnsafe("2026-12-24T00:00:00Z") }
const cron: JobSchedule = { kind: "cron", cron: "0 3 * * *" }

// Every state x action; "-" is InvalidTransition. The cron column differs only where a run ends.
const table: Record<JobStatus, Record<JobAction, JobStatus | "-">> = {
  pending: { schedule: "scheduled", start: "running", run_started: "-", succeed: "-", fail: "-", cancel: "cancelled" },
  scheduled: { schedule: "scheduled", start: "running", run_started: "running", succeed: "-", fail: "-", cancel: "cancelled" },
  running: { schedule: "-", start: "-", run_started: "running", succeed: "succeeded", fail: "failed", cancel: "cancelled" },
  succeeded: { schedule: "-", start: "-", run_started: "-", succeed: "-", fail: "-", cancel: "-" },
  failed: { schedule: "scheduled", start: "running", run_started: "-", succeed: "-", fail: "-", cancel: "-" },
  cancelled: { schedule: "-", start: "-", run_started: "-", succeed: "-", fail: "-", cancel: "-" }
}

const outcome = (status: JobStatus, action: JobAction, schedule: JobSchedule | null): string =>
  Result.match(transition({ id, status, schedule }, action), {
    onSuccess: (to) => to,
    onFailure: (error) => {
      assert.strictEqual(error._tag, "InvalidTransition")
      assert.deepStrictEqual([error.entity, error.id, error.from, error.action], ["job", id, status, action])
      assert.strictEqual(error.code, "INVALID_TRANSITION")
      return "-"
    }
  })

describe("job lifecycle", () => {
  for (const status of jobStatuses) {
    for (const action of jobActions) {
      const expected = table[status][action]
      it(`${status} --${action}--> ${expected} (one-shot and no schedule)`, () => {
        assert.strictEqual(outcome(status, action, null), expected)
        assert.strictEqual(outcome(status, action, once), expected)
      })
      const cronExpected = status === "running" && (action === "succeed" || action === "fail") ? "scheduled" : expected
      it(`${status} --${action}--> ${cronExpected} (cron)`, () => {
        assert.strictEqual(outcome(status, action, cron), cronExpected)
      })
    }
  }

  it("refuses to delete a running job, allows every other status", () => {
    for (const status of jobStatuses) {
      assert.strictEqual(Result.isFailure(checkDelete({ id, status, schedule: null })), status === "running", status)
    }
  })

  it("fixes payload and max_attempts while running; labels change any time", () => {
    const running = { id, status: "running" as const, schedule: null }
    assert.isTrue(Result.isFailure(checkUpdate(running, ["name", "payload"])))
    assert.isTrue(Result.isFailure(checkUpdate(running, ["max_attempts"])))
    assert.isTrue(Result.isSuccess(checkUpdate(running, ["name", "description", "priority"])))
    assert.isTrue(Result.isSuccess(checkUpdate({ id, status: "pending", schedule: null }, ["payload"])))
  })
})
