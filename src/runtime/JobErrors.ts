/** The errors a job can end with, and how each maps to the lifecycle's `error_kind`. */
import { Schema } from "effect"

/** Bad input from the job's user: fails the job with error_kind `user`, no retry. */
export class JobUserError extends Schema.TaggedError<JobUserError>()("JobUserError", {
  message: Schema.String,
  /** A stable code for clients (e.g. INVALID_CONFIG); optional. */
  code: Schema.optional(Schema.String)
}) {}

/** A failure of the system (a dependency down, a bug): error_kind `system`, retried while attempts remain. */
export class JobSystemError extends Schema.TaggedError<JobSystemError>()("JobSystemError", {
  message: Schema.String
}) {}

/** The attempt no longer owns the job (its lease was lost); nothing more may be written for it. */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", {
  jobId: Schema.String,
  executionId: Schema.String,
  message: Schema.String
}) {}
