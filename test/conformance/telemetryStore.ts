/**
 * The telemetry event store (src/telemetry/TelemetryStore.ts), run on every database layer (the embedded
 * PGlite and a real PostgreSQL). Tests share one database, so each uses its own domain and months.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Metric } from "effect"
import { SqlClient } from "effect/sql"
import type { Database } from "../../src/sql/Database.js"
import { migrate } from "../../src/sql/Migrations.js"
import { monthOf, monthStart, partitionName } from "../../src/telemetry/months.js"
import { defaultStoreSettings, layerWith, TelemetryStore, telemetryInvalid } from "../../src/telemetry/TelemetryStore.js"
import { expectedHours, makeEvent, recordOf } from "../support/TelemetryEvents.js"

const hourMs = 3_600_000
const dayMs = 24 * hourMs

const storeLayer = (database: Layer.Layer<Database, unknown>) =>
  layerWith(defaultStoreSettings).pipe(
    Layer.provideMerge(Layer.effectDiscard(migrate).pipe(Layer.provideMerge(database)))
  )

const countOf = (domain: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM telemetry_events WHERE domain = ${domain}`
    return rows[0]?.n ?? -1
  })

const hourlyOf = (domain: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{
      readonly hour: string; readonly task: string; readonly events: number; readonly failures: number
      readonly retries: number; readonly p50: number | null; readonly p95: number | null; readonly rows: number
    }>`SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS hour, task, events::int AS events,
        failures::int AS failures, retries::int AS retries, latency_p50_ms AS p50, latency_p95_ms AS p95, total_rows::int AS rows
      FROM telemetry_hourly WHERE domain = ${domain} ORDER BY hour, task`
  })

const round = (value: number | null) => value === null ? null : Math.round(value * 1e6) / 1e6

export const telemetryStoreSuite = (databaseName: string, database: Layer.Layer<Database, unknown>) =>
  layer(storeLayer(database).pipe(Layer.orDie), { excludeTestServices: true, timeout: "60 seconds" })(`TelemetryStore on ${databaseName}`, (it) => {
    it.effect("a duplicate delivery inserts once (across batches and within one)", () =>
      Effect.gen(function*() {
        const store = yield* TelemetryStore
        const now = Date.now()
        const first = Array.from({ length: 10 }, (_, i) => makeEvent({ kind: "completed", at: now - i * 1000, latency: 5 }))
        const more = Array.from({ length: 5 }, () => makeEvent({ kind: "started", at: now }))
        assert.deepStrictEqual(yield* store.insert("dup", first.map(recordOf)), { inserted: 10, duplicates: 0, invalid: 0, expired: 0 })
        const again = yield* store.insert("dup", [...first, ...more, ...more].map(recordOf))
        assert.deepStrictEqual(again, { inserted: 5, duplicates: 15, invalid: 0, expired: 0 })
        const encoded = yield* store.insertEncoded("dup", first.map((event) => JSON.stringify(event)))
        assert.strictEqual(encoded.inserted, 0)
        assert.strictEqual(yield* countOf("dup"), 15)
      }))

    it.effect("an event that does not decode is counted and never stored", () =>
      Effect.gen(function*() {
        const store = yield* TelemetryStore
        const good = makeEvent({ kind: "started", at: Date.now() })
        const before = (yield* Metric.value(Metric.withAttributes(telemetryInvalid, { domain: "invalid" }))).count
        const result = yield* store.insertEncoded("invalid", [
          JSON.stringify(good),
          JSON.stringify({ ...good, event_id: "not-a-uuid" }),
          JSON.stringify({ ...good, event_id: crypto.randomUUID(), partition_key: "other:key" }),
          JSON.stringify({ ...good, event_id: crypto.randomUUID(), event_type: "job.exploded" }),
          "{not json"
        ])
        assert.deepStrictEqual(result, { inserted: 1, duplicates: 0, invalid: 4, expired: 0 })
        assert.strictEqual((yield* Metric.value(Metric.withAttributes(telemetryInvalid, { domain: "invalid" }))).count - before, 4)
        assert.strictEqual(yield* countOf("invalid"), 1)
      }))

    it.effect("a month boundary creates the next partition, and an insert into a new month creates its own", () =>
      Effect.gen(function*() {
        const store = yield* TelemetryStore
        const lastSecondOfJanuary = Date.UTC(2031, 0, 31, 23, 59, 59)
        const created = yield* store.ensurePartitions(lastSecondOfJanuary)
        assert.deepStrictEqual(created, ["telemetry_events_p203101", "telemetry_events_p203102", "telemetry_events_p203103"])
        assert.deepStrictEqual(yield* store.ensurePartitions(lastSecondOfJanuary), [])
        assert.deepStrictEqual(yield* store.ensurePartitions(lastSecondOfJanuary + 1000), ["telemetry_events_p203104"])
        // An event far ahead (clock skew): its month gets a partition at insert time.
        const ahead = makeEvent({ kind: "started", at: Date.UTC(2032, 6, 4, 12) })
        assert.strictEqual((yield* store.insert("ahead", [recordOf(ahead)])).inserted, 1)
        assert.include(yield* store.partitions, "telemetry_events_p203207")
      }))

    it.effect("hourly aggregates equal what the raw events give, and follow late arrivals", () =>
      Effect.gen(function*() {
        const store = yield* TelemetryStore
        const hour = Math.floor(Date.now() / hourMs) * hourMs - 3 * hourMs
        const kinds = ["started", "completed", "failed", "retrying", "completed"] as const
        const events = Array.from({ length: 60 }, (_, i) => makeEvent({
          kind: kinds[i % kinds.length] ?? "started",
          at: hour + (i % 3) * hourMs + i * 1000,
          task: i % 2 === 0 ? "validate_csv_job" : "catalog_import",
          latency: (i * 37) % 101 + 0.5,
          rows: i * 10
        }))
        yield* store.insert("agg", events.slice(0, 40).map(recordOf))
        yield* store.refreshAggregates
        assert.deepStrictEqual((yield* hourlyOf("agg")).map((row) => ({ ...row, p50: round(row.p50), p95: round(row.p95) })),
          expectedHours(events.slice(0, 40)).map((row) => ({ ...row, p50: round(row.p50), p95: round(row.p95) })))
        // Late events for hours already aggregated: those hours are recomputed, not added twice.
        yield* store.insert("agg", events.map(recordOf))
        assert.isAbove(yield* store.refreshAggregates, 0)
        assert.strictEqual(yield* store.refreshAggregates, 0)
        assert.deepStrictEqual((yield* hourlyOf("agg")).map((row) => ({ ...row, p50: round(row.p50), p95: round(row.p95) })),
          expectedHours(events).map((row) => ({ ...row, p50: round(row.p50), p95: round(row.p95) })))
      }))

    it.effect("retention drops exactly the expired partitions and keeps their aggregates", () =>
      Effect.gen(function*() {
        const store = yield* TelemetryStore
        const sql = yield* SqlClient.SqlClient
        const current = monthOf(Date.now())
        // One event in each of the two months before this one and in this one.
        const events = [current - 2, current - 1, current].map((month) => makeEvent({ kind: "completed", at: monthStart(month) + dayMs, latency: 10, rows: 7 }))
        assert.strictEqual((yield* store.insert("retention", events.map(recordOf))).inserted, 3)
        // Maintenance run when the cut-off (at - 90 days) falls one day into the month before this one.
        const at = monthStart(current - 1) + dayMs + defaultStoreSettings.retentionDays * dayMs
        const before = yield* store.partitions
        const result = yield* store.maintain(at)
        const expired = before.filter((name) => name <= partitionName(current - 2))
        assert.deepStrictEqual(result.dropped, expired)
        assert.include(expired, partitionName(current - 2))
        assert.deepStrictEqual(yield* store.partitions, [...before.filter((name) => !expired.includes(name)), ...result.created].sort())
        assert.strictEqual(yield* countOf("retention"), 2)
        const hours = yield* hourlyOf("retention")
        assert.deepStrictEqual(hours.map((row) => [row.events, row.rows]), [[1, 7], [1, 7], [1, 7]])
        const summary = yield* sql<{ readonly events: number; readonly total_rows: number }>`SELECT events::int AS events,
          total_rows::int AS total_rows FROM telemetry_domain_summary WHERE domain = 'retention'`
        assert.deepStrictEqual(summary.map((row) => [row.events, row.total_rows]), [[3, 21]])
        // An event of a month past retention arriving late is counted, not stored, and no partition is re-created.
        const late = makeEvent({ kind: "started", at: Date.now() - 200 * dayMs })
        assert.deepStrictEqual(yield* store.insert("retention", [recordOf(late)]), { inserted: 0, duplicates: 0, invalid: 0, expired: 1 })
        assert.notInclude(yield* store.partitions, partitionName(monthOf(Date.now() - 200 * dayMs)))
      }))
  })
