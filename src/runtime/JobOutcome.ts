/** How a job ended, as a producer awaits it, and the errors of waiting. */
import { Schema } from "effect"
import type { JobRecord } from "./JobStore.js"

export interface JobCompleted {
  readonly _tag: "Completed"
  readonly jobId: string
  readonly resultId: string
  readonly resultBytes: number
}

export interface JobFailed {
  readonly _tag: "Failed"
  readonly jobId: string
  readonly errorKind: "user" | "system"
  readonly message: string
  /** Stable code the job gave with its error (e.g. INVALID_CONFIG), if any. */
  readonly errorCode: string | null
}

export type JobOutcome = JobCompleted | JobFailed

export class OutcomeTimeout extends Schema.TaggedError<OutcomeTimeout>()("OutcomeTimeout", {
  domain: Schema.String,
  jobId: Schema.String,
  timeoutMs: Schema.Number,
  message: Schema.String
}) {}

/** The outcome a record shows, or undefined while the job has not ended. */
export const outcomeOfRecord = (jobId: string, record: JobRecord): JobOutcome | undefined => {
  switch (record.status.status) {
    case "completed":
      return { _tag: "Completed", jobId, resultId: record.resultId ?? "", resultBytes: record.resultBytes ?? 0 }
    case "failed":
      return {
        _tag: "Failed",
        jobId,
        errorKind: record.errorKind === "user" ? "user" : "system",
        message: record.status.error ?? record.lastError ?? "failed",
        errorCode: record.errorCode
      }
    default:
      return undefined
  }
}
