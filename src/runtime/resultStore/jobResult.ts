/**
 * From a job to its stored result: the status hash `{domain}:job:{id}` keeps the `result_id` the
 * completion wrote (the same value as the completed event's), so neither the CLI nor the HTTP
 * route has to replay the event log to find it.
 */
import { Effect, Option, Schema } from "effect"
import type { ContractError } from "../../contracts/ContractError.js"
import type { JobDomain } from "../../contracts/JobDomain.js"
import { JobStore } from "../JobStore.js"
import type { RedisError } from "../../redis/RedisError.js"
import { isResultId } from "./ResultId.js"

/**
 * The job has no readable result: `no-job` (never enqueued or its record expired), `not-completed`
 * (queued, running or failed), `no-result` (completed, but its `result_id` does not name an object
 * of the result store, as with jobs that return an inline value).
 */
export class JobResultUnavailable extends Schema.TaggedError<JobResultUnavailable>()("JobResultUnavailable", {
  domain: Schema.String,
  jobId: Schema.String,
  reason: Schema.Literals(["no-job", "not-completed", "no-result"]),
  message: Schema.String
}) {}

/** The result id of a completed job, checked to be a well-formed store id. */
export const jobResultId = (
  domain: JobDomain,
  jobId: string
): Effect.Effect<string, JobResultUnavailable | ContractError | RedisError, JobStore> =>
  Effect.gen(function*() {
    const store = yield* JobStore
    const record = yield* store.loadRecord(domain, jobId)
    const unavailable = (reason: JobResultUnavailable["reason"], message: string) =>
      Effect.fail(new JobResultUnavailable({ domain, jobId, reason, message }))
    if (Option.isNone(record)) {
      return yield* unavailable("no-job", `no job ${jobId} in domain ${domain} (never enqueued, or its record expired)`)
    }
    const { status, resultId } = record.value
    if (status.status !== "completed") {
      return yield* unavailable("not-completed", `job ${jobId} in domain ${domain} is ${status.status}, not completed: it has no result`)
    }
    if (resultId === null || !isResultId(resultId)) {
      return yield* unavailable("no-result", `job ${jobId} in domain ${domain} completed without a stored result (result_id ${JSON.stringify(resultId)})`)
    }
    return resultId
  })
