/**
 * What a finished attempt leaves behind, decided from how it ended: a pure function, so every
 * branch is checked by a table (test/worker_settle_decision.test.ts) and the Worker only maps a
 * decision to its change, metrics and log lines (Worker.ts `settle`).
 */
import { Cause, Exit } from "effect"
import type { ErrorKind } from "../../contracts/JobDomain.js"
import type { JobFailure, JobResult } from "../JobDefinition.js"
import type { StopReason } from "../LeaseKeeper.js"
import type { ClaimedJob } from "../queue/ChangeBatcher.js"
import { retryDelayMs } from "../RetryPolicy.js"
import { describeCause } from "../Supervised.js"

export type SettleDecision =
  /** The program returned: publish its result. */
  | { readonly _tag: "Completed"; readonly result: JobResult }
  /** Stopped for shutdown: hand the job back to the queue. */
  | { readonly _tag: "Released" }
  /** Stopped by a cancel request: fail it as a user error. */
  | { readonly _tag: "Cancelled" }
  /** Stopped because lease renewal found the lease lost: nothing more is written. */
  | { readonly _tag: "DroppedLeaseLost" }
  /** Interrupted with no stop reason (the worker's scope closing under it): nothing is written. */
  | { readonly _tag: "Interrupted" }
  /** The program failed with LeaseLost (a write of its own was fenced): another attempt owns the job. */
  | { readonly _tag: "LeaseLost" }
  /** Failed with a kind the job does not retry on. */
  | { readonly _tag: "Failed"; readonly kind: ErrorKind; readonly message: string; readonly code: string | undefined }
  /** Failed, retried at `runAt`; `note` is the progress event's text. */
  | {
    readonly _tag: "Retry"
    readonly kind: ErrorKind
    readonly message: string
    readonly note: string
    readonly runAt: number
    readonly retryCount: number
  }
  /** Failed on its last attempt: kept in the dead letter with `final` as its error. */
  | { readonly _tag: "Dead"; readonly kind: ErrorKind; readonly message: string; readonly final: string; readonly code: string | undefined }

// Shared: the decisions without data cost a job no allocation.
const released: SettleDecision = { _tag: "Released" }
const cancelled: SettleDecision = { _tag: "Cancelled" }
const droppedLeaseLost: SettleDecision = { _tag: "DroppedLeaseLost" }
const interrupted: SettleDecision = { _tag: "Interrupted" }
const leaseLost: SettleDecision = { _tag: "LeaseLost" }

export interface SettleInput {
  readonly exit: Exit.Exit<JobResult, JobFailure>
  /** Why the worker stopped the job, when it did. */
  readonly reason: StopReason | undefined
  readonly job: Pick<ClaimedJob, "attempt" | "maxAttempts" | "backoffMs" | "retryOn">
  /** Epoch ms the retry delay counts from. */
  readonly now: number
  /** The backoff's jitter source (RetryPolicy.ts); tests pin it. */
  readonly random?: () => number
}

export const decideSettle = ({ exit, job, now, random, reason }: SettleInput): SettleDecision => {
  if (Exit.isSuccess(exit)) return { _tag: "Completed", result: exit.value }
  const cause = exit.cause
  if (Cause.hasInterruptsOnly(cause)) {
    return reason === "shutdown"
      ? released
      : reason === "cancelled"
      ? cancelled
      : reason === "lease-lost"
      ? droppedLeaseLost
      : interrupted
  }
  const failure = Cause.findErrorOption(cause)
  if (failure._tag === "Some" && failure.value._tag === "LeaseLost") return leaseLost
  const message = describeCause(cause)
  const userError = failure._tag === "Some" && failure.value._tag === "JobUserError" ? failure.value : undefined
  const kind: ErrorKind = userError === undefined ? "system" : "user"
  // A stable code (e.g. INVALID_CONFIG) is kept in the record beside the message, for clients.
  const code = userError?.code
  if (!job.retryOn.includes(kind)) return { _tag: "Failed", kind, message, code }
  if (job.attempt < job.maxAttempts) {
    return {
      _tag: "Retry",
      kind,
      message,
      note: `retrying after ${kind} error (attempt ${job.attempt} of ${job.maxAttempts} failed): ${message}`,
      runAt: now + retryDelayMs(job.attempt, job.backoffMs, random),
      retryCount: job.attempt
    }
  }
  const final = job.maxAttempts > 1 ? `${message} (after ${job.maxAttempts} attempts)` : message
  return { _tag: "Dead", kind, message, final, code }
}
