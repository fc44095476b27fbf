/**
 * Lifecycle events `{domain}.job.{started|progress|completed|failed}.v1` (seed 000, `job_events.py`).
 * Field names and order are the wire contract; do not rename.
 */
import { Schema } from "effect"
import { ErrorKind, JobDomain } from "./JobDomain.js"
import { UserId } from "./UserId.js"

export const eventSuffixes = ["started", "progress", "completed", "failed"] as const
export type EventSuffix = (typeof eventSuffixes)[number]

export const makeEventType = <S extends EventSuffix>(domain: JobDomain, suffix: S): `${JobDomain}.job.${S}.v1` =>
  `${domain}.job.${suffix}.v1`

/** `{domain}:events`, the pub/sub channel every event of a domain goes to. */
export const defaultEventsChannel = (domain: JobDomain): string => `${domain}:events`

const Progress = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100 }))
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** Rejects an event whose `type` names another domain or kind than its fields say. */
const typeMatchesDomain = <S extends EventSuffix>(suffix: S) =>
  Schema.makeFilter<{ readonly type: string; readonly domain: JobDomain }>((event) =>
    event.type === makeEventType(event.domain, suffix) ||
    { path: ["type"], issue: `Expected "${makeEventType(event.domain, suffix)}" for domain "${event.domain}", got "${event.type}"` }
  )

// The pattern states the domain's rule in the JSON Schema too (a template literal exports only its shape).
const eventType = <S extends EventSuffix>(suffix: S) =>
  Schema.TemplateLiteral([JobDomain, `.job.${suffix}.v1`]).check(
    Schema.isPattern(new RegExp(`^[a-z][a-z0-9_]{0,31}\\.job\\.${suffix}\\.v1$`, "u"))
  )

export const JobStartedV1 = Schema.Struct({
  type: eventType("started"),
  domain: JobDomain,
  job_id: Schema.String,
  user_id: UserId,
  queue: Schema.String
}).check(typeMatchesDomain("started")).annotate({ identifier: "JobStartedV1" })
export type JobStartedV1 = typeof JobStartedV1.Type

export const JobProgressV1 = Schema.Struct({
  type: eventType("progress"),
  domain: JobDomain,
  job_id: Schema.String,
  user_id: UserId,
  progress: Progress,
  message: Schema.optionalKey(Schema.String),
  /** Optional domain hint; never a transport for metrics (seed 000, "Metrics Publishing Standard"). */
  payload: Schema.optionalKey(Schema.Json)
}).check(typeMatchesDomain("progress")).annotate({ identifier: "JobProgressV1" })
export type JobProgressV1 = typeof JobProgressV1.Type

export const JobCompletedV1 = Schema.Struct({
  type: eventType("completed"),
  domain: JobDomain,
  job_id: Schema.String,
  user_id: UserId,
  result_id: Schema.String,
  result_bytes: NonNegativeInt
}).check(typeMatchesDomain("completed")).annotate({ identifier: "JobCompletedV1" })
export type JobCompletedV1 = typeof JobCompletedV1.Type

export const JobFailedV1 = Schema.Struct({
  type: eventType("failed"),
  domain: JobDomain,
  job_id: Schema.String,
  user_id: UserId,
  error_kind: ErrorKind,
  message: Schema.String
}).check(typeMatchesDomain("failed")).annotate({ identifier: "JobFailedV1" })
export type JobFailedV1 = typeof JobFailedV1.Type

export type JobEventV1 = JobStartedV1 | JobProgressV1 | JobCompletedV1 | JobFailedV1

export const lifecycleSchemas = {
  started: JobStartedV1,
  progress: JobProgressV1,
  completed: JobCompletedV1,
  failed: JobFailedV1
} as const

export const JobEventV1 = Schema.Union([JobStartedV1, JobProgressV1, JobCompletedV1, JobFailedV1])

export interface EventIdentity {
  readonly domain: JobDomain
  readonly job_id: string
  readonly user_id: UserId
}

export const makeStartedEvent = (id: EventIdentity, queue: string): JobStartedV1 => ({
  type: makeEventType(id.domain, "started"),
  domain: id.domain,
  job_id: id.job_id,
  user_id: id.user_id,
  queue
})

export const makeProgressEvent = (
  id: EventIdentity,
  progress: number,
  message?: string,
  payload?: Schema.Json
): JobProgressV1 => ({
  type: makeEventType(id.domain, "progress"),
  domain: id.domain,
  job_id: id.job_id,
  user_id: id.user_id,
  progress,
  ...(message === undefined ? {} : { message }),
  ...(payload === undefined ? {} : { payload })
})

export const makeCompletedEvent = (id: EventIdentity, resultId: string, resultBytes: number): JobCompletedV1 => ({
  type: makeEventType(id.domain, "completed"),
  domain: id.domain,
  job_id: id.job_id,
  user_id: id.user_id,
  result_id: resultId,
  result_bytes: resultBytes
})

export const makeFailedEvent = (id: EventIdentity, errorKind: ErrorKind, message: string): JobFailedV1 => ({
  type: makeEventType(id.domain, "failed"),
  domain: id.domain,
  job_id: id.job_id,
  user_id: id.user_id,
  error_kind: errorKind,
  message
})
