/**
 * Cancelling a job from any process. A waiting job is failed on the spot by `cancel-4.lua`;
 * a running one is flagged and a control message goes out on `{domain}:control`, which the
 * owning worker (subscribed through `listenForCancels`) turns into an interruption of the
 * job's fiber. The flag covers a worker that missed the message: its next lease renewal
 * reports the job, and a recovery sweep fails it if the worker died first.
 */
import { Effect, Queue, Schema, Scope } from "effect"
import type { JobDomain } from "../contracts/JobDomain.js"
import { eventsLogKey, jobKey, queueKeys } from "../contracts/Keys.js"
import { defaultEventsChannel } from "../contracts/LifecycleEvents.js"
import { RedisClient, type RedisMessage } from "../redis/RedisClient.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import { loadLuaScript } from "../redis/LuaScript.js"
import { RedisError } from "../redis/RedisError.js"
import { replyArray, replyString } from "../redis/RedisReply.js"
import type { Supervisor } from "./Supervised.js"
import { nowTimestamp } from "../contracts/Timestamps.js"

const cancelScript = loadLuaScript(import.meta.url, "cancel-4.lua")

/** The message every cancelled job's failure starts with. */
export const cancelledMessage = "cancelled by request"

export class JobNotFound extends Schema.TaggedError<JobNotFound>()("JobNotFound", {
  domain: Schema.String,
  jobId: Schema.String,
  message: Schema.String
}) {}

export const jobNotFound = (domain: JobDomain, jobId: string) =>
  new JobNotFound({ domain, jobId, message: `no job ${jobId} in domain ${domain} (never enqueued, or its record expired)` })

export const CancelOutcome = Schema.Literals(["cancelled", "requested", "finished"])
export type CancelOutcome = typeof CancelOutcome.Type

export interface CancelResult {
  readonly jobId: string
  /** cancelled: it was waiting and is now failed; requested: its worker was asked to stop it; finished: too late. */
  readonly outcome: CancelOutcome
  /** The job's status before the call. */
  readonly previousStatus: string
}

/** The control message on `{domain}:control`. */
export const CancelMessage = Schema.Struct({
  type: Schema.Literal("cancel"),
  job_id: Schema.String,
  execution_id: Schema.optionalKey(Schema.String)
})
const decodeCancelMessage = Schema.decodeUnknownEffect(Schema.fromJsonString(CancelMessage))

export const cancelJob = (domain: JobDomain, jobId: string): Effect.Effect<CancelResult, JobNotFound | RedisError, RedisClient | RuntimeConfig> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const settings = yield* RuntimeConfig
    const keys = queueKeys(domain)
    const reply = yield* redis.eval(cancelScript, [jobKey(domain, jobId), keys.wait, keys.delayed, eventsLogKey(domain)], [
      jobId, domain, defaultEventsChannel(domain), keys.control, String(settings.eventsMaxLen),
      String(settings.retentionMs), nowTimestamp(), cancelledMessage
    ])
    const [outcome, status] = (replyArray(reply) ?? []).map((r) => replyString(r))
    if (outcome === "missing") return yield* jobNotFound(domain, jobId)
    if (outcome === "cancelled" || outcome === "requested" || outcome === "finished") {
      return { jobId, outcome, previousStatus: status ?? "" }
    }
    return yield* new RedisError({ op: "cancel", message: `cancel script returned an unexpected reply: ${JSON.stringify(reply)}` })
  })

/**
 * Listens on the domain's control channel for the lifetime of the scope, as the supervised loop
 * `cancel-listener`, and calls `onCancel` with the id of every job asked to stop. Unreadable
 * messages are logged and skipped. The first subscription is made before this returns (when
 * Redis answers), so a cancel sent right after the worker started is heard; if it cannot be
 * made, the loop keeps trying with backoff and cancels arrive with the lease renewal meanwhile.
 */
export const listenForCancels = (
  domain: JobDomain,
  onCancel: (jobId: string) => Effect.Effect<unknown>,
  supervisor: Supervisor
): Effect.Effect<void, never, RedisClient | Scope.Scope> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const scope = yield* Effect.scope
    const channel = queueKeys(domain).control
    // ioredis subscribes again by itself after a reconnect, so one subscription serves for good.
    let messages: Queue.Dequeue<RedisMessage> | undefined
    const subscribe = Effect.suspend(() =>
      messages !== undefined ? Effect.succeed(messages) : redis.subscribe(channel).pipe(
        Scope.provide(scope),
        Effect.tap((subscribed) => Effect.sync(() => {
          messages = subscribed
        }))
      )
    )
    yield* subscribe.pipe(
      Effect.catch((error) => Effect.logWarning(`cancel listener: ${error.message}; retrying, cancels arrive with the lease renewal meanwhile`)),
      Effect.annotateLogs({ domain })
    )
    yield* supervisor.run("cancel-listener", subscribe.pipe(
      Effect.flatMap(Queue.take),
      Effect.flatMap((m) =>
        decodeCancelMessage(m.message).pipe(
          Effect.flatMap((cancel) => onCancel(cancel.job_id)),
          Effect.catch((error) => Effect.logWarning(`skipped unreadable message on ${channel}: ${error.message}`))
        )
      )
    ))
  })
