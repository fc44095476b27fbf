/**
 * Job telemetry envelope (seed 004): `job.started|job.completed|job.failed|job.retrying`, version "v1".
 * Each event has its own `event_id` (UUID v4) for de-duplication; `job_execution_id` separates one run of a
 * job from its retries. `partition_key` is `marketplace:category` or `marketplace:category:region` and must
 * agree with those fields, so the parts themselves may not contain ":".
 * `error` appears only on `job.failed`, `retry_count` only on `job.retrying`; `metrics` is optional on all.
 * The discriminator is `event_type` (the version lives in `version`), not the channel events' `type`.
 */
import { Effect, Schema } from "effect"
import { ContractError } from "./ContractError.js"
import { decodeWithContract, encodeWithContract, type EventContract, findContract, unknownType } from "./EventContract.js"
import { parseJsonObject } from "./JsonObject.js"
import { IsoTimestamp, NonEmptyString, NonNegativeInt, NonNegativeNumber, PositiveInt } from "./WireFields.js"

export const telemetryEventTypes = ["job.started", "job.completed", "job.failed", "job.retrying"] as const
export type TelemetryEventType = (typeof telemetryEventTypes)[number]

/** `marketplace:category[:region]`: the key events are partitioned (and ordered) by. */
export const partitionKey = (marketplace: string, category: string, region?: string): string =>
  region === undefined ? `${marketplace}:${category}` : `${marketplace}:${category}:${region}`

const PartitionPart = Schema.String.check(
  Schema.isPattern(/^[^:]+$/u, { message: "Expected a non-empty value without ':'" })
)

const EventId = Schema.String.check(Schema.isUUID(4, { message: "Expected a UUID v4 event_id" }))

export const TelemetryMetrics = Schema.Struct({
  latency_ms: Schema.optionalKey(NonNegativeNumber),
  total_rows: Schema.optionalKey(NonNegativeInt),
  valid_rows: Schema.optionalKey(NonNegativeInt),
  error_rows: Schema.optionalKey(NonNegativeInt),
  warning_rows: Schema.optionalKey(NonNegativeInt),
  payload_bytes: Schema.optionalKey(NonNegativeInt)
}).check(
  Schema.makeFilter((m) =>
    m.total_rows === undefined || (m.valid_rows ?? 0) + (m.error_rows ?? 0) <= m.total_rows ||
    { path: ["valid_rows"], issue: `Expected valid_rows + error_rows <= total_rows (${m.total_rows})` }
  )
).annotate({ identifier: "TelemetryMetrics" })
export type TelemetryMetrics = typeof TelemetryMetrics.Type

const envelopeFields = <T extends TelemetryEventType>(eventType: T) => ({
  event_id: EventId,
  event_type: Schema.Literal(eventType),
  version: Schema.Literal("v1"),
  job_id: NonEmptyString,
  job_execution_id: NonEmptyString,
  task: NonEmptyString,
  timestamp: IsoTimestamp,
  marketplace: PartitionPart,
  category: PartitionPart,
  region: Schema.optionalKey(PartitionPart),
  partition_key: Schema.String,
  metrics: Schema.optionalKey(TelemetryMetrics),
  // Optional in v1, so envelopes written before correlation existed still decode: every event of a
  // job carries the correlation id given (or generated) at enqueue, and a job enqueued by a running
  // job names that job as its parent.
  correlation_id: Schema.optionalKey(NonEmptyString),
  parent_job_id: Schema.optionalKey(NonEmptyString)
})

const partitionKeyMatches = Schema.makeFilter<{
  readonly marketplace: string
  readonly category: string
  readonly region?: string
  readonly partition_key: string
}>((event) => {
  const expected = partitionKey(event.marketplace, event.category, event.region)
  return event.partition_key === expected ||
    { path: ["partition_key"], issue: `Expected "${expected}" (marketplace:category[:region]), got "${event.partition_key}"` }
})

export const TelemetryJobStartedV1 = Schema.Struct(envelopeFields("job.started"))
  .check(partitionKeyMatches)
  .annotate({ identifier: "TelemetryJobStartedV1", description: "A job execution started." })
export type TelemetryJobStartedV1 = typeof TelemetryJobStartedV1.Type

export const TelemetryJobCompletedV1 = Schema.Struct(envelopeFields("job.completed"))
  .check(partitionKeyMatches)
  .annotate({ identifier: "TelemetryJobCompletedV1", description: "A job execution completed." })
export type TelemetryJobCompletedV1 = typeof TelemetryJobCompletedV1.Type

export const TelemetryJobFailedV1 = Schema.Struct({ ...envelopeFields("job.failed"), error: NonEmptyString })
  .check(partitionKeyMatches)
  .annotate({ identifier: "TelemetryJobFailedV1", description: "A job execution failed; error says why." })
export type TelemetryJobFailedV1 = typeof TelemetryJobFailedV1.Type

export const TelemetryJobRetryingV1 = Schema.Struct({ ...envelopeFields("job.retrying"), retry_count: PositiveInt })
  .check(partitionKeyMatches)
  .annotate({ identifier: "TelemetryJobRetryingV1", description: "A job execution is being retried." })
export type TelemetryJobRetryingV1 = typeof TelemetryJobRetryingV1.Type

export type TelemetryEvent = TelemetryJobStartedV1 | TelemetryJobCompletedV1 | TelemetryJobFailedV1 | TelemetryJobRetryingV1

export const telemetryContracts: ReadonlyArray<EventContract<TelemetryEvent>> = [
  { type: "job.started", name: "TelemetryJobStartedV1", schema: TelemetryJobStartedV1 },
  { type: "job.completed", name: "TelemetryJobCompletedV1", schema: TelemetryJobCompletedV1 },
  { type: "job.failed", name: "TelemetryJobFailedV1", schema: TelemetryJobFailedV1 },
  { type: "job.retrying", name: "TelemetryJobRetryingV1", schema: TelemetryJobRetryingV1 }
]

export const decodeTelemetryObject = (
  record: Readonly<Record<string, unknown>>
): Effect.Effect<TelemetryEvent, ContractError> => {
  const eventType = record["event_type"]
  if (typeof eventType !== "string") {
    return Effect.fail(
      new ContractError({ contract: "TelemetryEvent", message: `TelemetryEvent: Expected a string at ["event_type"]` })
    )
  }
  const contract = findContract(telemetryContracts, eventType)
  return contract === undefined
    ? Effect.fail(unknownType("TelemetryEvent", "event_type", eventType, telemetryEventTypes))
    : decodeWithContract(contract, record)
}

export const decodeTelemetryEvent = (json: string): Effect.Effect<TelemetryEvent, ContractError> =>
  parseJsonObject("TelemetryEvent", json).pipe(Effect.flatMap(decodeTelemetryObject))

export const encodeTelemetryEvent = (event: TelemetryEvent): Effect.Effect<string, ContractError> => {
  const contract = findContract(telemetryContracts, event.event_type)
  return contract === undefined
    ? Effect.fail(unknownType("TelemetryEvent", "event_type", event.event_type, telemetryEventTypes))
    : encodeWithContract(contract, event)
}

/** What stays the same across the events of one job execution. */
export interface TelemetryContext {
  readonly job_id: string
  readonly job_execution_id: string
  readonly task: string
  readonly marketplace: string
  readonly category: string
  readonly region?: string
  readonly correlation_id?: string
  readonly parent_job_id?: string
}

/** Per-event values the caller supplies, since generating ids and reading clocks are effects. */
export interface TelemetryStamp {
  readonly event_id: string
  readonly timestamp: string
}

const envelope = (ctx: TelemetryContext, stamp: TelemetryStamp, metrics: TelemetryMetrics | undefined) => ({
  event_id: stamp.event_id,
  version: "v1" as const,
  job_id: ctx.job_id,
  job_execution_id: ctx.job_execution_id,
  task: ctx.task,
  timestamp: stamp.timestamp,
  marketplace: ctx.marketplace,
  category: ctx.category,
  ...(ctx.region === undefined ? {} : { region: ctx.region }),
  partition_key: partitionKey(ctx.marketplace, ctx.category, ctx.region),
  ...(metrics === undefined ? {} : { metrics }),
  ...(ctx.correlation_id === undefined ? {} : { correlation_id: ctx.correlation_id }),
  ...(ctx.parent_job_id === undefined ? {} : { parent_job_id: ctx.parent_job_id })
})

export const makeJobStartedTelemetry = (
  ctx: TelemetryContext,
  stamp: TelemetryStamp,
  metrics?: TelemetryMetrics
): TelemetryJobStartedV1 => ({ event_type: "job.started", ...envelope(ctx, stamp, metrics) })

export const makeJobCompletedTelemetry = (
  ctx: TelemetryContext,
  stamp: TelemetryStamp,
  metrics?: TelemetryMetrics
): TelemetryJobCompletedV1 => ({ event_type: "job.completed", ...envelope(ctx, stamp, metrics) })

export const makeJobFailedTelemetry = (
  ctx: TelemetryContext,
  stamp: TelemetryStamp,
  error: string,
  metrics?: TelemetryMetrics
): TelemetryJobFailedV1 => ({ event_type: "job.failed", ...envelope(ctx, stamp, metrics), error })

export const makeJobRetryingTelemetry = (
  ctx: TelemetryContext,
  stamp: TelemetryStamp,
  retryCount: number,
  metrics?: TelemetryMetrics
): TelemetryJobRetryingV1 => ({ event_type: "job.retrying", ...envelope(ctx, stamp, metrics), retry_count: retryCount })
