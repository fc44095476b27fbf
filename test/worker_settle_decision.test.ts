/**
 * The settle decision (src/runtime/worker/settleDecision.ts), one row per branch: how an attempt
 * ended (exit), why the worker stopped it (reason) and the job's retry settings decide whether it
 * completes, goes back to the queue, is cancelled, dropped, failed, retried or dead-lettered.
 */
import { describe, expect, it } from "vitest"
import { Exit } from "effect"
import type { ErrorKind } from "../src/contracts/JobDomain.js"
import type { JobFailure, JobResult } from "../src/runtime/JobDefinition.js"
import { JobSystemError, JobUserError, LeaseLost } from "../src/runtime/JobErrors.js"
import type { StopReason } from "../src/runtime/LeaseKeeper.js"
import { decideSettle, type SettleDecision } from "../src/runtime/worker/settleDecision.js"

const now = 1_000_000
// The jitter pinned to its middle: the delay is exactly backoffMs * 2^(attempt-1).
const random = () => 0.5
const result: JobResult = { resultId: "r", resultBytes: 1 }

interface Row {
  readonly name: string
  readonly exit: Exit.Exit<JobResult, JobFailure>
  readonly reason?: StopReason
  readonly attempt?: number
  readonly maxAttempts?: number
  readonly retryOn?: ReadonlyArray<ErrorKind>
  readonly expected: SettleDecision
}

const userError = Exit.fail(new JobUserError({ message: "text is empty", code: "EMPTY" }))
const systemError = Exit.fail(new JobSystemError({ message: "db down" }))

const rows: ReadonlyArray<Row> = [
  { name: "success completes", exit: Exit.succeed(result), expected: { _tag: "Completed", result } },
  // A stop reason does not matter once the program returned.
  { name: "success completes even when stopped", exit: Exit.succeed(result), reason: "cancelled", expected: { _tag: "Completed", result } },
  { name: "interrupted for shutdown is released", exit: Exit.interrupt(), reason: "shutdown", expected: { _tag: "Released" } },
  { name: "interrupted by cancel is cancelled", exit: Exit.interrupt(), reason: "cancelled", expected: { _tag: "Cancelled" } },
  { name: "interrupted on a lost lease is dropped", exit: Exit.interrupt(), reason: "lease-lost", expected: { _tag: "DroppedLeaseLost" } },
  { name: "interrupted without a reason writes nothing", exit: Exit.interrupt(), expected: { _tag: "Interrupted" } },
  {
    name: "failing with LeaseLost leaves the job to its owner",
    exit: Exit.fail(new LeaseLost({ jobId: "j", executionId: "w/1", message: "fenced" })),
    expected: { _tag: "LeaseLost" }
  },
  {
    name: "user error not in retryOn fails with its code",
    exit: userError,
    expected: { _tag: "Failed", kind: "user", message: "text is empty", code: "EMPTY" }
  },
  {
    name: "system error with retryOn [user] fails",
    exit: systemError,
    retryOn: ["user"],
    expected: { _tag: "Failed", kind: "system", message: "db down", code: undefined }
  },
  {
    name: "system error with attempts left retries after backoff",
    exit: systemError,
    attempt: 2,
    maxAttempts: 3,
    expected: {
      _tag: "Retry",
      kind: "system",
      message: "db down",
      note: "retrying after system error (attempt 2 of 3 failed): db down",
      runAt: now + 2_000,
      retryCount: 2
    }
  },
  {
    name: "user error in retryOn retries",
    exit: userError,
    retryOn: ["user", "system"],
    expected: {
      _tag: "Retry",
      kind: "user",
      message: "text is empty",
      note: "retrying after user error (attempt 1 of 3 failed): text is empty",
      runAt: now + 1_000,
      retryCount: 1
    }
  },
  {
    name: "a defect is a system error",
    exit: Exit.die(new TypeError("x is undefined")),
    expected: {
      _tag: "Retry",
      kind: "system",
      message: "TypeError: x is undefined",
      note: "retrying after system error (attempt 1 of 3 failed): TypeError: x is undefined",
      runAt: now + 1_000,
      retryCount: 1
    }
  },
  {
    name: "last attempt is dead-lettered, naming the attempts",
    exit: systemError,
    attempt: 3,
    maxAttempts: 3,
    expected: { _tag: "Dead", kind: "system", message: "db down", final: "db down (after 3 attempts)", code: undefined }
  },
  {
    name: "a single attempt is dead-lettered with the bare message and code",
    exit: userError,
    retryOn: ["user"],
    maxAttempts: 1,
    expected: { _tag: "Dead", kind: "user", message: "text is empty", final: "text is empty", code: "EMPTY" }
  }
]

describe("decideSettle", () => {
  it.each(rows)("$name", (row) => {
    const job = { attempt: row.attempt ?? 1, maxAttempts: row.maxAttempts ?? 3, backoffMs: 1_000, retryOn: row.retryOn ?? ["system"] }
    expect(decideSettle({ exit: row.exit, reason: row.reason, job, now, random })).toEqual(row.expected)
  })

  it("retry delays are capped at one hour, jitter within ±20%", () => {
    const retryOn: ReadonlyArray<ErrorKind> = ["system"]
    const job = { attempt: 30, maxAttempts: 40, backoffMs: 1_000, retryOn }
    const delays: ReadonlyArray<readonly [number, number]> = [[0, 2_880_000], [0.5, 3_600_000], [1, 4_320_000]]
    for (const [r, delay] of delays) {
      const decision = decideSettle({ exit: systemError, reason: undefined, job, now, random: () => r })
      expect(decision._tag === "Retry" ? decision.runAt - now : undefined).toBe(delay)
    }
  })
})
