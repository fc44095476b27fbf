/**
 * The per-job service a job program runs against. Each publish updates the status hash,
 * appends to the event log and publishes on `{domain}:events` atomically (batched with other
 * jobs' changes, see queue/ChangeBatcher.ts), fenced by the attempt's execution id so a job
 * that lost its lease cannot write over its successor.
 */
import { Context, Deferred, Effect, Layer, type Schema } from "effect"
import type { ErrorKind, JobDomain } from "../contracts/JobDomain.js"
import type { TelemetryMetrics } from "../contracts/Telemetry.js"
import type { UserId } from "../contracts/UserId.js"
import {
  type EventIdentity,
  type JobEventV1,
  makeCompletedEvent,
  makeFailedEvent,
  makeProgressEvent
} from "../contracts/LifecycleEvents.js"
import { encodeEventJson, plainEventJson } from "./EventJson.js"
import type { JobResult } from "./JobDefinition.js"
import { LeaseLost } from "./JobErrors.js"
import { type ChangeKind, JobQueue, type PostChange } from "./JobQueue.js"
import type { RedisError } from "../redis/RedisError.js"

export interface JobInfo {
  readonly domain: JobDomain
  readonly jobId: string
  readonly userId: UserId
  /** Queue name reported in the started event. */
  readonly queue: string
  readonly executionId: string
  readonly attempt: number
  readonly maxAttempts: number
  /** The correlation id given or generated at enqueue: jobs this job enqueues (Producer) inherit it. */
  readonly correlationId?: string
  /** The running job that enqueued this one, if any. */
  readonly parentJobId?: string
}

/**
 * Where a final change picks up its attempt's telemetry lines (see worker/telemetry.ts); the
 * worker passes its entry for the job, so a job costs no extra object for it.
 */
export interface TelemetryCarrier {
  telemetry: string | undefined
}

type Publish = Effect.Effect<void, LeaseLost | RedisError>

/**
 * Runs `use` with the event's wire JSON: the plain path for events the fast check vouches for,
 * the schema encoder for the rest. Events come from the contract constructors, so an encode
 * failure is a bug, not an input error.
 */
const withEventJson = <A, E>(event: JobEventV1, use: (json: string) => Effect.Effect<A, E>): Effect.Effect<A, E> => {
  const json = plainEventJson(event)
  return json === undefined ? Effect.flatMap(Effect.orDie(encodeEventJson(event)), use) : Effect.suspend(() => use(json))
}

const failedFields = (kind: ErrorKind, message: string, code: string | undefined) => [
  "status", "failed", "message", message, "error", message, "error_kind", kind, "error_code", code ?? "", "last_error", message
]

export interface JobContextService {
  readonly info: JobInfo
  /**
   * Progress 0..100 (rounded and clamped), with an optional message and a light domain hint.
   * Returns once queued (see makeJobContext); waits only when many are still on their way.
   */
  readonly publishProgress: (progress: number, message?: string, payload?: Schema.Json) => Publish
  readonly publishCompleted: (result: JobResult) => Publish
  /** Ends the job as failed for good. */
  readonly publishFailed: (kind: ErrorKind, message: string, code?: string) => Publish
  /** Ends this attempt and schedules another at `runAt` (epoch ms); seen as a progress event. */
  readonly publishRetry: (message: string, error: string, runAt: number) => Publish
  /** Ends the job as failed and keeps it in the dead-letter set. */
  readonly publishDeadLetter: (kind: ErrorKind, message: string, code?: string) => Publish
  /** Gives the job back to the queue unfinished (worker shutting down); the attempt is not counted. */
  readonly release: (message: string) => Publish
  /**
   * Business metrics of this attempt for its telemetry (seed 004: total/valid/error/warning rows,
   * payload_bytes when the job read its input elsewhere); later calls add to and override earlier ones.
   * They go out with the attempt's end event, not in the job's result.
   */
  readonly reportMetrics: (metrics: TelemetryMetrics) => Effect.Effect<void>
  /** What reportMetrics collected so far (the worker reads it when the attempt ends). */
  readonly reportedMetrics: () => TelemetryMetrics
}

/** Progress changes a job may have on their way before publishProgress waits for the oldest. */
const maxProgressAhead = 16

/**
 * A job's context over the change poster of its domain (JobQueue.changes). Plain, so a worker
 * builds one per job without an Effect program; `JobContext.make` does the lookup.
 *
 * Progress is pipelined: publishProgress returns once its change is queued, so a job's progress
 * updates and its final change usually share one round trip. Changes still apply in order and
 * fenced; a refused progress surfaces as LeaseLost from a later publish (at the latest the final
 * change, which is itself refused then). Final changes wait for their own result.
 */
export const makeJobContext = (post: PostChange, info: JobInfo, carrier?: TelemetryCarrier): JobContextService => {
  const id: EventIdentity = { domain: info.domain, job_id: info.jobId, user_id: info.userId }
  let progress = 0
  let metrics: TelemetryMetrics = {}
  /** Progress changes posted and not yet checked, oldest first. */
  const ahead: Array<Deferred.Deferred<boolean, RedisError>> = []

  // Built only when a write is refused: an error captures a stack trace, too dear for every job.
  const lost = Effect.failSync(() => new LeaseLost({
    jobId: info.jobId,
    executionId: info.executionId,
    message: `job ${info.jobId}: execution ${info.executionId} no longer owns the job (lease expired or cancelled)`
  }))
  const check = (applied: Deferred.Deferred<boolean, RedisError>): Publish =>
    Effect.flatMap(Deferred.await(applied), (ok) => ok ? Effect.void : lost)

  const postChange = (kind: ChangeKind, json: string, fields: ReadonlyArray<string>, runAt?: number) => {
    // A final change takes the attempt's telemetry with it (once: a retried call re-sends the same change).
    const telemetry = kind === "update" ? undefined : carrier?.telemetry
    if (telemetry !== undefined && carrier !== undefined) carrier.telemetry = undefined
    return post({
      kind, jobId: info.jobId, executionId: info.executionId, event: json, fields,
      ...(runAt === undefined ? {} : { runAt }), ...(telemetry === undefined ? {} : { telemetry })
    })
  }

  const change = (kind: ChangeKind, event: JobEventV1, fields: ReadonlyArray<string>, runAt?: number): Publish =>
    withEventJson(event, (json) => check(postChange(kind, json, fields, runAt)))

  const progressChange = (event: JobEventV1, fields: ReadonlyArray<string>): Publish =>
    withEventJson(event, (json) => {
      ahead.push(postChange("update", json, fields))
      const oldest = ahead.length > maxProgressAhead ? ahead.shift() : undefined
      return oldest === undefined ? Effect.void : check(oldest)
    })

  return {
    info,
    publishProgress: (value, message, payload) => {
      progress = Math.min(100, Math.max(0, Math.round(Number.isFinite(value) ? value : 0)))
      return progressChange(makeProgressEvent(id, progress, message, payload), [
        "progress", String(progress), ...(message === undefined ? [] : ["message", message])
      ])
    },
    publishCompleted: (result) =>
      change("completed", makeCompletedEvent(id, result.resultId, result.resultBytes), [
        "status", "completed", "progress", "100", "message", "completed", "error", "",
        "result_id", result.resultId, "result_bytes", String(result.resultBytes)
      ]),
    publishFailed: (kind, message, code) => change("failed", makeFailedEvent(id, kind, message), failedFields(kind, message, code)),
    publishRetry: (message, error, runAt) =>
      change("retry", makeProgressEvent(id, progress, message), [
        "status", "queued", "message", message, "last_error", error, "next_run_at", String(runAt), "execution_id", ""
      ], runAt),
    publishDeadLetter: (kind, message, code) => change("dead", makeFailedEvent(id, kind, message), failedFields(kind, message, code)),
    release: (message) =>
      change("release", makeProgressEvent(id, progress, message), ["status", "queued", "execution_id", "", "message", message]),
    reportMetrics: (reported) => Effect.sync(() => {
      metrics = { ...metrics, ...reported }
    }),
    reportedMetrics: () => metrics
  }
}

export class JobContext extends Context.Service<JobContext, JobContextService>()("jobs/JobContext") {
  /** The started event was emitted when the job was claimed; this publishes everything after it. */
  static readonly make = (info: JobInfo) =>
    Effect.gen(function*() {
      const post = yield* (yield* JobQueue).changes(info.domain)
      return makeJobContext(post, info)
    })

  static readonly layer = (info: JobInfo) => Layer.effect(JobContext, JobContext.make(info))
}
