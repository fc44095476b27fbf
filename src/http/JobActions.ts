/**
 * What the dashboard's buttons do: cancel a job, run a failed one again, requeue a dead-lettered
 * one. A small seam over the runtime's Cancellation and DeadLetter operations, so the HTTP layer
 * maps their outcomes to status codes in one place.
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { JobDomain } from "../contracts/JobDomain.js"
import { cancelJob } from "../runtime/Cancellation.js"
import { requeueDeadLetter, retryJob } from "../runtime/DeadLetter.js"
import { RedisClient } from "../redis/RedisClient.js"
import { RuntimeConfig } from "../runtime/RuntimeConfig.js"

export const jobActionNames = ["cancel", "retry", "requeue"] as const
export type JobActionName = (typeof jobActionNames)[number]

export class JobActionFailed extends Schema.TaggedError<JobActionFailed>()("JobActionFailed", {
  action: Schema.String,
  jobId: Schema.String,
  /** not-found: no such job; refused: the job is not in a state the action applies to; error: Redis failed. */
  reason: Schema.Literals(["not-found", "refused", "error"]),
  message: Schema.String
}) {}

export interface JobActionResult {
  readonly action: JobActionName
  readonly jobId: string
  readonly outcome: string
}

const fail = (action: JobActionName, jobId: string) => (error: { readonly _tag: string; readonly message: string }) =>
  new JobActionFailed({
    action,
    jobId,
    reason: error._tag === "JobNotFound" ? "not-found" : error._tag === "RequeueRefused" ? "refused" : "error",
    message: error.message
  })
const operation = (action: JobActionName, domain: JobDomain, jobId: string) => {
  switch (action) {
    case "cancel":
      return cancelJob(domain, jobId).pipe(Effect.map((r) => r.outcome))
    case "retry":
      return retryJob(domain, jobId).pipe(Effect.as("requeued"))
    case "requeue":
      return requeueDeadLetter(domain, jobId).pipe(Effect.as("requeued"))
  }
}

export class JobActions extends Context.Service<JobActions, {
  readonly run: (action: JobActionName, domain: JobDomain, jobId: string) => Effect.Effect<JobActionResult, JobActionFailed>
}>()("jobs/JobActions") {
  static readonly layer = Layer.effect(JobActions, Effect.gen(function*() {
    const context = yield* Effect.context<RedisClient | RuntimeConfig>()
    return JobActions.of({
      run: (action, domain, jobId) =>
        operation(action, domain, jobId).pipe(
          Effect.map((outcome): JobActionResult => ({ action, jobId, outcome })),
          Effect.mapError(fail(action, jobId)),
          Effect.provideContext(context)
        )
    })
  }))
}
