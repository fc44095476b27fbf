/**
 * What a domain gives the runtime: its payload schema and its job, an Effect program
 * written against JobContext. Domains never touch Redis.
 */
import type { Effect, Schema } from "effect"
import type { JobDomain } from "../contracts/JobDomain.js"
import type { JobContext } from "./JobContext.js"
import type { JobSystemError, JobUserError, LeaseLost } from "./JobErrors.js"
import type { RedisError } from "./redis/RedisError.js"

/** Everything a job may fail with. Domains map their own errors to JobUserError or JobSystemError. */
export type JobFailure = JobUserError | JobSystemError | LeaseLost | RedisError

/** What a completed job reports (seed 000 `JobCompletedV1`). */
export interface JobResult {
  readonly resultId: string
  readonly resultBytes: number
}

export interface JobDefinition<P, R> {
  readonly domain: JobDomain
  /** Decodes the stored payload; a decode failure fails the job as a user error. */
  readonly payload: Schema.Codec<P, unknown>
  /** The job itself. JobUserError ends it as a user error; anything else (and any defect) is a system error. */
  readonly run: (payload: P) => Effect.Effect<JobResult, JobFailure, JobContext | R>
}

export const defineJob = <P, R = never>(definition: JobDefinition<P, R>): JobDefinition<P, R> => definition
