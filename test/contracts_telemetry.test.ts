import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  decodeTelemetryEvent,
  encodeTelemetryEvent,
  makeJobCompletedTelemetry,
  makeJobFailedTelemetry,
  makeJobRetryingTelemetry,
  makeJobStartedTelemetry,
  partitionKey,
  type TelemetryContext,
  type TelemetryEvent
} from "../src/contracts/Telemetry.js"

const ctx: TelemetryContext = {
  job_id: "job-77",
  job_execution_id: "exec-1",
  task: "validate_csv_job",
  marketplace: "mercado_livre",
  category: "electronics"
}
const regional: TelemetryContext = { ...ctx, region: "br" }
const stamp = { event_id: "3b241101-e2bb-4255-8caf-4136c566a962", timestamp: "2025-08-16T10:00:00Z" }
const metrics = { latency_ms: 123.5, total_rows: 1000, valid_rows: 990, error_rows: 10, warning_rows: 4, payload_bytes: 52_000 }

const started = makeJobStartedTelemetry(ctx, stamp)
const completed = makeJobCompletedTelemetry(regional, stamp, metrics)
const failed = makeJobFailedTelemetry(ctx, stamp, "header row missing", { latency_ms: 8 })
const retrying = makeJobRetryingTelemetry(regional, stamp, 2)

const wire = (event: TelemetryEvent, change: Record<string, unknown>, drop: ReadonlyArray<string> = []) => {
  const record: Record<string, unknown> = { ...event, ...change }
  for (const key of drop) delete record[key]
  return JSON.stringify(record)
}

describe("telemetry events", () => {
  it.effect("carries correlation_id and parent_job_id as optional keys, refusing empty ones", () =>
    Effect.gen(function*() {
      const chained = makeJobStartedTelemetry({ ...ctx, correlation_id: "corr-1", parent_job_id: "job-76" }, stamp)
      const decoded = yield* decodeTelemetryEvent(yield* encodeTelemetryEvent(chained))
      assert.strictEqual(decoded.correlation_id, "corr-1")
      assert.strictEqual(decoded.parent_job_id, "job-76")
      assert.notProperty(started, "correlation_id")
      const empty = yield* Effect.flip(decodeTelemetryEvent(wire(started, { correlation_id: "" })))
      assert.include(empty.message, "correlation_id")
    }))

  it("builds the partition key from marketplace, category and optional region", () => {
    assert.strictEqual(partitionKey("mercado_livre", "electronics"), "mercado_livre:electronics")
    assert.strictEqual(partitionKey("mercado_livre", "electronics", "br"), "mercado_livre:electronics:br")
    assert.strictEqual(started.partition_key, "mercado_livre:electronics")
    assert.strictEqual(retrying.partition_key, "mercado_livre:electronics:br")
  })

  it("adds the envelope: version v1, event-only fields only where they belong", () => {
    assert.strictEqual(started.version, "v1")
    assert.isFalse("region" in started)
    assert.isFalse("metrics" in started)
    assert.strictEqual(failed.error, "header row missing")
    assert.isFalse("error" in retrying)
    assert.strictEqual(retrying.retry_count, 2)
  })

  for (const event of [started, completed, failed, retrying]) {
    it.effect(`round-trips ${event.event_type}`, () =>
      Effect.gen(function*() {
        const json = yield* encodeTelemetryEvent(event)
        assert.deepStrictEqual(JSON.parse(json), event)
        assert.deepStrictEqual(yield* decodeTelemetryEvent(json), event)
      }))
  }

  it.effect("writes event_id first, as the de-duplication key", () =>
    Effect.gen(function*() {
      const json = yield* encodeTelemetryEvent(started)
      assert.isTrue(json.startsWith(`{"event_id":"3b241101-e2bb-4255-8caf-4136c566a962","event_type":"job.started","version":"v1",`))
    }))

  const malformed: ReadonlyArray<readonly [string, string, string]> = [
    ["a UUID that is not v4", wire(started, { event_id: "3b241101-e2bb-1255-8caf-4136c566a962" }), `TelemetryJobStartedV1: Expected a UUID v4 event_id at ["event_id"]`],
    ["a missing event_id", wire(started, {}, ["event_id"]), `TelemetryJobStartedV1: Missing key at ["event_id"]`],
    ["version v2", wire(started, { version: "v2" }), `TelemetryJobStartedV1: Expected "v1" at ["version"]`],
    ["an empty job_execution_id", wire(started, { job_execution_id: "" }), `TelemetryJobStartedV1: Expected a non-empty string at ["job_execution_id"]`],
    ["a bad timestamp", wire(started, { timestamp: "16/08/2025" }), `TelemetryJobStartedV1: Expected an ISO-8601 timestamp like 2026-01-31T12:00:00Z at ["timestamp"]`],
    ["a colon inside category", wire(started, { category: "a:b", partition_key: "mercado_livre:a:b" }), `TelemetryJobStartedV1: Expected a non-empty value without ':' at ["category"]`],
    [
      "a partition key that disagrees with its parts",
      wire(completed, { partition_key: "mercado_livre:electronics" }),
      `TelemetryJobCompletedV1: Expected "mercado_livre:electronics:br" (marketplace:category[:region]), got "mercado_livre:electronics" at ["partition_key"]`
    ],
    ["negative latency", wire(completed, { metrics: { latency_ms: -1 } }), `TelemetryJobCompletedV1: Expected a finite number >= 0 at ["metrics"]["latency_ms"]`],
    ["fractional rows", wire(completed, { metrics: { total_rows: 10.5 } }), `TelemetryJobCompletedV1: Expected an integer at ["metrics"]["total_rows"]`],
    [
      "more valid and error rows than total",
      wire(completed, { metrics: { total_rows: 10, valid_rows: 8, error_rows: 3 } }),
      `TelemetryJobCompletedV1: Expected valid_rows + error_rows <= total_rows (10) at ["metrics"]["valid_rows"]`
    ],
    ["failed without error", wire(failed, {}, ["error"]), `TelemetryJobFailedV1: Missing key at ["error"]`],
    ["retrying with retry_count 0", wire(retrying, { retry_count: 0 }), `TelemetryJobRetryingV1: Expected an integer >= 1 at ["retry_count"]`],
    ["retrying without retry_count", wire(retrying, {}, ["retry_count"]), `TelemetryJobRetryingV1: Missing key at ["retry_count"]`],
    [
      "an unknown event_type",
      wire(started, { event_type: "job.paused" }),
      `TelemetryEvent: Unknown event_type "job.paused", expected one of job.started, job.completed, job.failed, job.retrying`
    ],
    ["a missing event_type", wire(started, {}, ["event_type"]), `TelemetryEvent: Expected a string at ["event_type"]`],
    ["malformed JSON", `{"event_id":`, "TelemetryEvent: Expected a valid JSON string"],
    ["a JSON string", `"job.started"`, "TelemetryEvent: Expected object"]
  ]

  for (const [name, json, expected] of malformed) {
    it.effect(`rejects ${name}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(decodeTelemetryEvent(json))
        assert.strictEqual(error.message, expected)
      }))
  }

  it.effect("refuses to encode a marketplace that would corrupt the partition key", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(encodeTelemetryEvent(makeJobStartedTelemetry({ ...ctx, marketplace: "a:b" }, stamp)))
      assert.strictEqual(error.message, `TelemetryJobStartedV1: Expected a non-empty value without ':' at ["marketplace"]`)
    }))
})
