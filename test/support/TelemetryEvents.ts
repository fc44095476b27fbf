/**
 * Telemetry envelopes for the telemetry tests and the bench: valid seed 004 events with fresh UUID v4
 * ids, and what the hourly aggregates should say about a set of them (computed here, in JavaScript,
 * independently of the SQL).
 */
import { randomUUID } from "node:crypto"
import {
  makeJobCompletedTelemetry,
  makeJobFailedTelemetry,
  makeJobRetryingTelemetry,
  makeJobStartedTelemetry,
  type TelemetryContext,
  type TelemetryEvent
} from "../../src/contracts/Telemetry.js"

export const contextFor = (job: string, task = "validate_csv_job"): TelemetryContext => ({
  job_id: job,
  job_execution_id: `${job}-exec-1`,
  task,
  marketplace: "mercado_livre",
  category: "electronics",
  region: "br"
})

export type Kind = "started" | "completed" | "failed" | "retrying"

export interface EventSpec {
  readonly kind: Kind
  readonly at: number
  readonly job?: string
  readonly task?: string
  readonly latency?: number
  readonly rows?: number
}

export const makeEvent = (spec: EventSpec): TelemetryEvent => {
  const ctx = contextFor(spec.job ?? `job-${randomUUID().slice(0, 8)}`, spec.task)
  const stamp = { event_id: randomUUID(), timestamp: new Date(spec.at).toISOString() }
  const metrics = spec.latency === undefined ? undefined : { latency_ms: spec.latency, ...(spec.rows === undefined ? {} : { total_rows: spec.rows }) }
  switch (spec.kind) {
    case "started":
      return makeJobStartedTelemetry(ctx, stamp)
    case "completed":
      return makeJobCompletedTelemetry(ctx, stamp, metrics)
    case "failed":
      return makeJobFailedTelemetry(ctx, stamp, "header row missing", metrics)
    case "retrying":
      return makeJobRetryingTelemetry(ctx, stamp, 1, metrics)
  }
}

/** The record form the store takes (what JSON.parse of the wire text gives). */
export const recordOf = (event: TelemetryEvent): Readonly<Record<string, unknown>> => ({ ...event })

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
export const percentileCont = (values: ReadonlyArray<number>, p: number): number | null => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const position = p * (sorted.length - 1)
  const lo = Math.floor(position)
  const hi = Math.ceil(position)
  const low = sorted[lo] ?? 0
  return low + ((sorted[hi] ?? low) - low) * (position - lo)
}

export interface ExpectedHour {
  readonly hour: string
  readonly task: string
  readonly events: number
  readonly failures: number
  readonly retries: number
  readonly p50: number | null
  readonly p95: number | null
  readonly rows: number
}

/** What telemetry_hourly should hold for these events, by (hour, task), sorted. */
export const expectedHours = (events: ReadonlyArray<TelemetryEvent>): ReadonlyArray<ExpectedHour> => {
  const groups = new Map<string, Array<TelemetryEvent>>()
  for (const event of events) {
    const hour = new Date(Math.floor(Date.parse(event.timestamp) / 3_600_000) * 3_600_000).toISOString()
    const key = `${hour}|${event.task}`
    groups.set(key, [...(groups.get(key) ?? []), event])
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, group]) => {
    const [hour = "", task = ""] = key.split("|")
    const finished = group.filter((e) => e.event_type === "job.completed" || e.event_type === "job.failed")
    const latencies = finished.flatMap((e) => e.metrics?.latency_ms === undefined ? [] : [e.metrics.latency_ms])
    return {
      hour,
      task,
      events: group.length,
      failures: group.filter((e) => e.event_type === "job.failed").length,
      retries: group.filter((e) => e.event_type === "job.retrying").length,
      p50: percentileCont(latencies, 0.5),
      p95: percentileCont(latencies, 0.95),
      rows: group.filter((e) => e.event_type === "job.completed").reduce((sum, e) => sum + (e.metrics?.total_rows ?? 0), 0)
    }
  })
}
