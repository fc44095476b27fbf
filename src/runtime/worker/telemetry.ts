/**
 * Seed 004's telemetry of every attempt a worker runs: `job.started` when it starts, `job.completed`,
 * `job.failed` or `job.retrying` (with `retry_count`) when it ends, each with a fresh event_id, the
 * attempt's execution id, the job's correlation id and parent job, its context and its metrics.
 *
 * Two ways out, chosen by `TELEMETRY_EMITTERS` (unset or `none`: a worker emits nothing; see layerConfig):
 * - `redis`, the durable log `{domain}:telemetry:log` the projector reads: the attempt's events ride
 *   on its final change (JobChange.telemetry), appended by the same script call that applies it, so
 *   they cost no round trip and a refused change (lost lease) writes none;
 * - `log`, `http`: a TelemetryEmitter handed each event as it happens (emit never fails nor blocks).
 *
 * Context: `marketplace`, `category` and `region` come from the payload when it has them as strings
 * without ":" (catalog); otherwise the partition is `none:<domain>`, so a domain's events keep their
 * order and domains spread over partitions. The task name is the domain.
 */
import { randomUUID } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import {
  makeJobCompletedTelemetry,
  makeJobFailedTelemetry,
  makeJobRetryingTelemetry,
  makeJobStartedTelemetry,
  partitionKey,
  type TelemetryContext,
  type TelemetryEvent,
  type TelemetryJobStartedV1,
  type TelemetryMetrics
} from "../../contracts/Telemetry.js"
import { emitterNamesConfig, httpConfig, layerHttp } from "../../telemetry/Emitters.js"
import { layerFanOut, layerLog, TelemetryEmitter } from "../../telemetry/TelemetryEmitter.js"
import type { TelemetryCarrier } from "../JobContext.js"
import type { ClaimedJob } from "../queue/ChangeBatcher.js"

export class WorkerTelemetry extends Context.Service<WorkerTelemetry, {
  /** Handed every event as it happens; undefined when only the durable log is on. */
  readonly emitter: TelemetryEmitter["Service"] | undefined
  /** Whether final changes carry their attempt's events into `{domain}:telemetry:log`. */
  readonly durableLog: boolean
}>()("jobs/WorkerTelemetry") {
  /** The durable log only: what `TELEMETRY_EMITTERS=redis` gives a worker. */
  static readonly layerDurable: Layer.Layer<WorkerTelemetry> = Layer.succeed(WorkerTelemetry, { emitter: undefined, durableLog: true })

  /** Every event to the TelemetryEmitter in context, and to the durable log when `durableLog`. */
  static readonly layer = (options: { readonly durableLog: boolean }): Layer.Layer<WorkerTelemetry, never, TelemetryEmitter> =>
    Layer.effect(WorkerTelemetry, Effect.map(Effect.service(TelemetryEmitter), (emitter) => ({ emitter, durableLog: options.durableLog })))

  /**
   * From `TELEMETRY_EMITTERS`: `redis` is the durable log, `log` and `http` are emitters. `postgres`
   * is left to the projector, which stores the durable log: a worker does not hold a database
   * connection per process for its telemetry. Unset (or `none`) turns a worker's telemetry off:
   * the durable log costs ~6.5 µs of worker CPU per job (~20% of the hot path) and fills up to
   * TELEMETRY_LOG_MAXLEN entries of Redis memory per domain even when no projector reads it, so a
   * worker pays for it only when asked (src/telemetry/README.md, "Worker default").
   */
  static readonly layerConfig = Layer.unwrap(Effect.gen(function*() {
    const names = yield* emitterNamesConfig("none")
    const durableLog = names.includes("redis")
    const layers: Array<Layer.Layer<TelemetryEmitter>> = []
    if (names.includes("log")) layers.push(layerLog)
    if (names.includes("http")) layers.push(layerHttp(yield* httpConfig))
    if (names.includes("postgres")) {
      yield* Effect.logWarning("TELEMETRY_EMITTERS: postgres is not a worker emitter; the telemetry projector stores the redis log")
    }
    if (layers.length === 0) return Layer.succeed(WorkerTelemetry, { emitter: undefined, durableLog })
    return WorkerTelemetry.layer({ durableLog }).pipe(Layer.provide(layerFanOut(layers)))
  }))
}

/** What one attempt's telemetry needs from its start to its end. */
export interface AttemptTelemetry {
  readonly context: TelemetryContext
  /** The context's fields as JSON members (`"job_id":…,"partition_key":…`), serialized once per attempt. */
  readonly contextJson: string
  readonly startedAt: number
  readonly payloadBytes: number
  /** The started event as the durable log gets it, sent with the attempt's final change. */
  readonly startedLine: string | undefined
}

/** How an attempt ended, as telemetry tells it; "released" (handed back on shutdown) emits no end event. */
export type AttemptEnd = "completed" | "failed" | "retrying" | "released"

/** A payload's context field when it can be part of a partition key. */
const partOf = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" && !value.includes(":") ? value : undefined

const contextOf = (domain: string, job: ClaimedJob, payload: unknown): TelemetryContext => {
  const fields = typeof payload === "object" && payload !== null ? payload : {}
  const marketplace = partOf("marketplace" in fields ? fields.marketplace : undefined)
  const category = partOf("category" in fields ? fields.category : undefined)
  const region = partOf("region" in fields ? fields.region : undefined)
  const base = marketplace !== undefined && category !== undefined
    ? { marketplace, category, ...(region === undefined ? {} : { region }) }
    : { marketplace: "none", category: domain }
  return {
    job_id: job.jobId,
    job_execution_id: job.executionId,
    task: domain,
    ...base,
    ...(job.correlationId === undefined ? {} : { correlation_id: job.correlationId }),
    ...(job.parentJobId === undefined ? {} : { parent_job_id: job.parentJobId })
  }
}

const count = (value: number | undefined): number | undefined =>
  value !== undefined && Number.isSafeInteger(value) && value >= 0 ? value : undefined

/**
 * The end event's metrics: latency and payload bytes the runtime measured, and what the job
 * reported (its payload_bytes, e.g. the CSV it downloaded, wins). Counts that are not
 * non-negative integers, or rows that do not add up, are left out rather than failing the envelope.
 */
const endMetrics = (attempt: AttemptTelemetry, at: number, reported: TelemetryMetrics): TelemetryMetrics => {
  const metrics: { -readonly [K in keyof TelemetryMetrics]: TelemetryMetrics[K] } = {
    latency_ms: Math.max(0, at - attempt.startedAt),
    payload_bytes: count(reported.payload_bytes) ?? attempt.payloadBytes
  }
  const total = count(reported.total_rows)
  const valid = count(reported.valid_rows)
  const errors = count(reported.error_rows)
  const warnings = count(reported.warning_rows)
  if (total !== undefined) metrics.total_rows = total
  if (total === undefined || (valid ?? 0) + (errors ?? 0) <= total) {
    if (valid !== undefined) metrics.valid_rows = valid
    if (errors !== undefined) metrics.error_rows = errors
  }
  if (warnings !== undefined) metrics.warning_rows = warnings
  return metrics
}

/** One durable line: an envelope around the attempt's pre-serialized context. */
const line = (eventId: string, type: string, timestamp: string, contextJson: string, tail: string) =>
  `{"event_id":"${eventId}","event_type":"${type}","version":"v1","timestamp":"${timestamp}",${contextJson}${tail}}`

/**
 * A worker's telemetry steps. The durable lines are written by hand around the context's JSON,
 * serialized once per attempt: the values satisfy the contract by construction (UUID v4 ids, ISO
 * timestamps, partition parts without ":"), and a schema encode, or a JSON.stringify of each whole
 * envelope, per event would cost the hot path more than the rest of the telemetry. The event
 * objects (the contract's constructors) are built only when an emitter wants them.
 */
export const makeAttemptTelemetry = (domain: string, service: WorkerTelemetry["Service"]) => {
  const emitter = service.emitter
  const emit = (event: TelemetryEvent | undefined): Effect.Effect<void> =>
    event === undefined || emitter === undefined ? Effect.void : emitter.emit(domain, event)

  const start = (job: ClaimedJob, payload: unknown, startedAt: number): { readonly attempt: AttemptTelemetry; readonly event: TelemetryJobStartedV1 | undefined } => {
    const context = contextOf(domain, job, payload)
    const contextJson = JSON.stringify({ ...context, partition_key: partitionKey(context.marketplace, context.category, context.region) }).slice(1, -1)
    const stamp = { event_id: randomUUID(), timestamp: new Date(startedAt).toISOString() }
    const attempt = {
      context, contextJson, startedAt, payloadBytes: Buffer.byteLength(job.payload),
      startedLine: service.durableLog ? line(stamp.event_id, "job.started", stamp.timestamp, contextJson, "") : undefined
    }
    return { attempt, event: emitter === undefined ? undefined : makeJobStartedTelemetry(context, stamp) }
  }

  /** The end event (for the emitters), with the lines the final change carries set on `carrier`. */
  const end = (
    attempt: AttemptTelemetry,
    how: AttemptEnd,
    detail: { readonly error?: string; readonly retryCount?: number },
    reported: TelemetryMetrics,
    carrier: TelemetryCarrier
  ): TelemetryEvent | undefined => {
    if (how === "released") {
      if (service.durableLog) carrier.telemetry = attempt.startedLine
      return undefined
    }
    const at = Date.now()
    const metrics = endMetrics(attempt, at, reported)
    const stamp = { event_id: randomUUID(), timestamp: new Date(at).toISOString() }
    const error = detail.error || "failed"
    const retryCount = Math.max(1, detail.retryCount ?? 1)
    if (service.durableLog) {
      const tail = `,"metrics":${JSON.stringify(metrics)}` +
        (how === "failed" ? `,"error":${JSON.stringify(error)}` : how === "retrying" ? `,"retry_count":${retryCount}` : "")
      carrier.telemetry = `${attempt.startedLine}\n${line(stamp.event_id, `job.${how}`, stamp.timestamp, attempt.contextJson, tail)}`
    }
    if (emitter === undefined) return undefined
    return how === "completed"
      ? makeJobCompletedTelemetry(attempt.context, stamp, metrics)
      : how === "failed"
      ? makeJobFailedTelemetry(attempt.context, stamp, error, metrics)
      : makeJobRetryingTelemetry(attempt.context, stamp, retryCount, metrics)
  }

  return { start, end, emit }
}
