/**
 * The telemetry event store on PostgreSQL (the embedded PGlite or a server): the one module holding the
 * SQL of telemetry_events, its monthly partitions, telemetry_hourly, telemetry_dirty_hours and the
 * telemetry_domain_summary view (migration 0003). README.md beside it explains the choices.
 *
 * - Every event is decoded through src/contracts/Telemetry.ts before it is stored; one that does not
 *   decode is logged, counted in `telemetry_events_invalid_total{domain}` and skipped.
 * - Inserts are idempotent by event_id: `created_at` is the event's own timestamp, so a copy lands in
 *   the same partition as the original and `ON CONFLICT (event_id, created_at) DO NOTHING` drops it.
 * - An event whose month is wholly past the retention cut-off is skipped and counted (storing it would
 *   re-create a partition retention dropped); a month with no partition yet gets one before the insert.
 * - The insert marks the (domain, hour) buckets it touched in telemetry_dirty_hours, in the same
 *   statement; `refreshAggregates` takes the marks and recomputes exactly those hours (idempotent upsert).
 */
import { Clock, Config, Context, Effect, Layer, Metric, type Option } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { decodeTelemetryObject } from "../contracts/Telemetry.js"
import { parseJsonObject } from "../contracts/JsonObject.js"
import { lineage, type LineageNode } from "./Lineage.js"
import { createPartitionDdl, isExpired, type Month, monthOf, monthOfPartition, monthStart, partitionName } from "./months.js"

export const telemetryInvalid = Metric.counter("telemetry_events_invalid_total", {
  description: "Telemetry events that did not decode against their schema; logged and never stored"
})
export const telemetryExpired = Metric.counter("telemetry_events_expired_total", {
  description: "Telemetry events older than TELEMETRY_RETENTION_DAYS when they arrived; not stored"
})

export interface TelemetryStoreSettings {
  /** Raw events are kept this long: whole monthly partitions past it are dropped. */
  readonly retentionDays: number
  /** Hourly aggregates are kept this long. */
  readonly aggregateRetentionDays: number
  /** Partitions created ahead of the current month. */
  readonly partitionsAhead: number
}

export const defaultStoreSettings: TelemetryStoreSettings = { retentionDays: 90, aggregateRetentionDays: 365, partitionsAhead: 2 }

export const storeSettingsConfig: Config.Config<TelemetryStoreSettings> = Config.all({
  retentionDays: Config.Int("TELEMETRY_RETENTION_DAYS").pipe(Config.withDefault(defaultStoreSettings.retentionDays)),
  aggregateRetentionDays: Config.Int("TELEMETRY_AGGREGATE_RETENTION_DAYS").pipe(Config.withDefault(defaultStoreSettings.aggregateRetentionDays)),
  partitionsAhead: Config.Int("TELEMETRY_PARTITIONS_AHEAD").pipe(Config.withDefault(defaultStoreSettings.partitionsAhead))
})

export interface InsertResult {
  readonly inserted: number
  /** Valid events already stored (a re-delivery). */
  readonly duplicates: number
  readonly invalid: number
  readonly expired: number
}

export interface MaintenanceResult {
  readonly created: ReadonlyArray<string>
  readonly dropped: ReadonlyArray<string>
  readonly hoursRefreshed: number
  readonly aggregatesPruned: number
}

const dayMs = 86_400_000

/** The row as jsonb_to_recordset reads it (names and types match the INSERT below). */
interface EventRow {
  readonly event_id: string
  readonly created_at: string
  readonly domain: string
  readonly event_type: string
  readonly version: string
  readonly job_id: string
  readonly job_execution_id: string
  readonly task: string
  readonly partition_key: string
  readonly correlation_id: string | null
  readonly parent_job_id: string | null
  readonly retry_count: number | null
  readonly latency_ms: number | null
  readonly total_rows: number | null
  readonly payload_bytes: number | null
  readonly error: string | null
  readonly payload: unknown
}

const optionalText = (record: Readonly<Record<string, unknown>>, key: string): string | null => {
  const value = record[key]
  return typeof value === "string" && value !== "" ? value : null
}

/**
 * Validates one record and shapes its row. `correlation_id` and `parent_job_id` are not in the v1
 * envelope yet: they are taken from the record when present, so they are stored once emitters add them.
 */
const toRow = (domain: string, record: Readonly<Record<string, unknown>>) =>
  Effect.map(decodeTelemetryObject(record), (event): EventRow => ({
    event_id: event.event_id,
    created_at: event.timestamp,
    domain,
    event_type: event.event_type,
    version: event.version,
    job_id: event.job_id,
    job_execution_id: event.job_execution_id,
    task: event.task,
    partition_key: event.partition_key,
    correlation_id: optionalText(record, "correlation_id"),
    parent_job_id: optionalText(record, "parent_job_id"),
    retry_count: event.event_type === "job.retrying" ? event.retry_count : null,
    latency_ms: event.metrics?.latency_ms ?? null,
    total_rows: event.metrics?.total_rows ?? null,
    payload_bytes: event.metrics?.payload_bytes ?? null,
    error: event.event_type === "job.failed" ? event.error : null,
    payload: record
  }))

export class TelemetryStore extends Context.Service<TelemetryStore, {
  /** Validates and stores events (records as decoded from JSON); one statement, idempotent by event_id. */
  readonly insert: (domain: string, records: ReadonlyArray<Readonly<Record<string, unknown>>>) => Effect.Effect<InsertResult, SqlError.SqlError>
  /** The same from JSON texts (the projector's log entries); a text that is not a JSON object is invalid. */
  readonly insertEncoded: (domain: string, texts: ReadonlyArray<string>) => Effect.Effect<InsertResult, SqlError.SqlError>
  /** Creates the partitions of `at`'s month and the `partitionsAhead` after it; returns those it created. */
  readonly ensurePartitions: (at: number) => Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
  /** The partitions that exist, oldest first. */
  readonly partitions: Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
  /** Recomputes the hourly aggregates of the hours marked dirty; returns how many (domain, hour) it did. */
  readonly refreshAggregates: Effect.Effect<number, SqlError.SqlError>
  /** Ensures partitions, refreshes aggregates, drops expired partitions and aggregates, refreshes the summary. */
  readonly maintain: (at: number) => Effect.Effect<MaintenanceResult, SqlError.SqlError>
  /** The tree of jobs `jobId` heads (through parent_job_id) with each one's latest status; None if unknown. */
  readonly lineage: (jobId: string) => Effect.Effect<Option.Option<LineageNode>, SqlError.SqlError>
}>()("jobs/TelemetryStore") {}

export const makeStore = (settings: TelemetryStoreSettings) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const clock = yield* Clock.Clock
    /** Months known to have a partition, so an insert checks the catalog only for a new month. */
    const known = new Set<Month>()
    const lockName = "effect-jobs.telemetry-partitions"

    const partitions = Effect.map(
      sql<{ readonly name: string }>`SELECT c.relname AS name FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'telemetry_events'::regclass ORDER BY c.relname`,
      (rows) => rows.map((row) => row.name)
    )

    /** Under a transaction-scoped advisory lock, so two processes creating the same month do not collide. */
    const createMonths = (months: ReadonlyArray<Month>) =>
      Effect.gen(function*() {
        const missing = months.filter((month) => !known.has(month))
        if (missing.length === 0) return []
        const created = yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`SELECT pg_advisory_xact_lock(hashtext(${lockName}))`
          const existing = new Set(yield* partitions)
          const out: Array<string> = []
          for (const month of missing) {
            if (existing.has(partitionName(month))) continue
            yield* sql.unsafe(createPartitionDdl(month))
            out.push(partitionName(month))
          }
          return out
        }))
        for (const month of missing) known.add(month)
        if (created.length > 0) yield* Effect.logInfo(`created telemetry partitions ${created.join(", ")}`)
        return created
      })

    const ensurePartitions = (at: number) => {
      const first = monthOf(at)
      return createMonths(Array.from({ length: settings.partitionsAhead + 1 }, (_, i) => first + i))
    }

    const insertRows = (rows: ReadonlyArray<EventRow>) =>
      Effect.map(
        sql<{ readonly inserted: number }>`WITH input AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(
            event_id uuid, created_at timestamptz, domain text, event_type text, version text, job_id text,
            job_execution_id text, task text, partition_key text, correlation_id text, parent_job_id text,
            retry_count integer, latency_ms double precision, total_rows bigint, payload_bytes bigint, error text, payload jsonb)
        ), inserted AS (
          INSERT INTO telemetry_events (event_id, created_at, domain, event_type, version, job_id, job_execution_id, task,
            partition_key, correlation_id, parent_job_id, retry_count, latency_ms, total_rows, payload_bytes, error, payload)
          SELECT event_id, created_at, domain, event_type, version, job_id, job_execution_id, task,
            partition_key, correlation_id, parent_job_id, retry_count, latency_ms, total_rows, payload_bytes, error, payload
          FROM input
          ON CONFLICT (event_id, created_at) DO NOTHING
          RETURNING domain, created_at
        ), hours AS (
          SELECT DISTINCT domain, date_trunc('hour', created_at, 'UTC') AS hour FROM inserted ORDER BY 1, 2
        ), marked AS (
          -- DO UPDATE (not NOTHING) takes the mark's row lock: refreshAggregates' DELETE of it then waits
          -- for this transaction, so its next statement sees these events (see refreshAggregates).
          INSERT INTO telemetry_dirty_hours (domain, hour) SELECT domain, hour FROM hours
          ON CONFLICT (domain, hour) DO UPDATE SET hour = EXCLUDED.hour
        )
        SELECT count(*)::int AS inserted FROM inserted`,
        (result) => result[0]?.inserted ?? 0
      )

    const insert = (domain: string, records: ReadonlyArray<Readonly<Record<string, unknown>>>) =>
      Effect.gen(function*() {
        const rows: Array<EventRow> = []
        const seen = new Set<string>()
        let invalid = 0
        let expired = 0
        let copies = 0
        const cutoff = (yield* clock.currentTimeMillis) - settings.retentionDays * dayMs
        for (const record of records) {
          const decoded = yield* Effect.result(toRow(domain, record))
          if (decoded._tag === "Failure") {
            invalid++
            yield* Effect.logWarning(`skipped an invalid telemetry event: ${decoded.failure.message}`).pipe(
              Effect.annotateLogs({ domain, raw: JSON.stringify(record).slice(0, 500) })
            )
            continue
          }
          const row = decoded.success
          if (isExpired(monthOf(Date.parse(row.created_at)), cutoff)) expired++
          else if (seen.has(row.event_id)) copies++
          else {
            seen.add(row.event_id)
            rows.push(row)
          }
        }
        if (invalid > 0) yield* Metric.update(Metric.withAttributes(telemetryInvalid, { domain }), invalid)
        if (expired > 0) yield* Metric.update(Metric.withAttributes(telemetryExpired, { domain }), expired)
        if (rows.length === 0) return { inserted: 0, duplicates: copies, invalid, expired }
        yield* createMonths([...new Set(rows.map((row) => monthOf(Date.parse(row.created_at))))])
        const inserted = yield* insertRows(rows)
        return { inserted, duplicates: copies + rows.length - inserted, invalid, expired }
      })

    const insertEncoded = (domain: string, texts: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const records: Array<Readonly<Record<string, unknown>>> = []
        let unreadable = 0
        for (const text of texts) {
          const parsed = yield* Effect.result(parseJsonObject("TelemetryEvent", text))
          if (parsed._tag === "Success") records.push(parsed.success)
          else {
            unreadable++
            yield* Effect.logWarning(`skipped a telemetry entry that is not a JSON object: ${parsed.failure.message}`).pipe(
              Effect.annotateLogs({ domain, raw: text.slice(0, 500) })
            )
          }
        }
        if (unreadable > 0) yield* Metric.update(Metric.withAttributes(telemetryInvalid, { domain }), unreadable)
        const result = yield* insert(domain, records)
        return { ...result, invalid: result.invalid + unreadable }
      })

    /**
     * Two statements in one transaction, on purpose: the DELETE takes the marks (waiting for any insert
     * that holds one), and the upsert, a new statement under READ COMMITTED, sees every event of those
     * inserts. A mark an insert writes after the DELETE stays for the next refresh.
     */
    const refreshAggregates = sql.withTransaction(Effect.gen(function*() {
      const taken = yield* sql<{ readonly domain: string; readonly hour: string }>`DELETE FROM telemetry_dirty_hours
        RETURNING domain, to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS hour`
      if (taken.length === 0) return 0
      yield* sql`WITH d AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(taken)}::jsonb) AS x(domain text, hour timestamptz))
        INSERT INTO telemetry_hourly (domain, task, hour, events, started, completed, failures, retries,
          latency_p50_ms, latency_p95_ms, total_rows, refreshed_at)
        SELECT e.domain, e.task, d.hour, count(*),
          count(*) FILTER (WHERE e.event_type = 'job.started'),
          count(*) FILTER (WHERE e.event_type = 'job.completed'),
          count(*) FILTER (WHERE e.event_type = 'job.failed'),
          count(*) FILTER (WHERE e.event_type = 'job.retrying'),
          percentile_cont(0.5) WITHIN GROUP (ORDER BY e.latency_ms) FILTER (WHERE e.event_type IN ('job.completed', 'job.failed')),
          percentile_cont(0.95) WITHIN GROUP (ORDER BY e.latency_ms) FILTER (WHERE e.event_type IN ('job.completed', 'job.failed')),
          coalesce(sum(e.total_rows) FILTER (WHERE e.event_type = 'job.completed'), 0),
          now()
        FROM d JOIN telemetry_events e ON e.domain = d.domain AND e.created_at >= d.hour AND e.created_at < d.hour + interval '1 hour'
        GROUP BY e.domain, e.task, d.hour
        ON CONFLICT (domain, task, hour) DO UPDATE SET events = EXCLUDED.events, started = EXCLUDED.started,
          completed = EXCLUDED.completed, failures = EXCLUDED.failures, retries = EXCLUDED.retries,
          latency_p50_ms = EXCLUDED.latency_p50_ms, latency_p95_ms = EXCLUDED.latency_p95_ms,
          total_rows = EXCLUDED.total_rows, refreshed_at = EXCLUDED.refreshed_at`
      return taken.length
    }))

    /** Drops whole partitions past retention (after their hours were aggregated). */
    const dropExpired = (at: number) =>
      Effect.gen(function*() {
        const cutoff = at - settings.retentionDays * dayMs
        const dropped: Array<string> = []
        for (const name of yield* partitions) {
          const month = monthOfPartition(name)
          if (month === undefined || !isExpired(month, cutoff)) continue
          yield* sql.unsafe(`DROP TABLE IF EXISTS ${partitionName(month)}`)
          known.delete(month)
          dropped.push(name)
        }
        // Marks of dropped hours have nothing left to aggregate.
        yield* sql`DELETE FROM telemetry_dirty_hours WHERE hour < ${new Date(monthStart(monthOf(cutoff)))}`
        if (dropped.length > 0) yield* Effect.logInfo(`dropped expired telemetry partitions ${dropped.join(", ")}`)
        return dropped
      })

    const maintain = (at: number) =>
      Effect.gen(function*() {
        const created = yield* ensurePartitions(at)
        const hoursRefreshed = yield* refreshAggregates
        const dropped = yield* dropExpired(at)
        const pruned = yield* sql<{ readonly n: number }>`WITH gone AS (
          DELETE FROM telemetry_hourly WHERE hour < ${new Date(at - settings.aggregateRetentionDays * dayMs)} RETURNING 1
        ) SELECT count(*)::int AS n FROM gone`
        yield* sql`REFRESH MATERIALIZED VIEW telemetry_domain_summary`
        return { created, dropped, hoursRefreshed, aggregatesPruned: pruned[0]?.n ?? 0 }
      }).pipe(Effect.annotateLogs({ module: "TelemetryStore" }))

    return TelemetryStore.of({
      insert, insertEncoded, ensurePartitions, partitions, refreshAggregates, maintain, lineage: (jobId) => lineage(sql, jobId)
    })
  })

export const layerWith = (settings: TelemetryStoreSettings): Layer.Layer<TelemetryStore, never, SqlClient.SqlClient> =>
  Layer.effect(TelemetryStore, makeStore(settings))

/** Settings from TELEMETRY_RETENTION_DAYS, TELEMETRY_AGGREGATE_RETENTION_DAYS, TELEMETRY_PARTITIONS_AHEAD. */
export const layer: Layer.Layer<TelemetryStore, Config.ConfigError, SqlClient.SqlClient> = Layer.unwrap(
  Effect.gen(function*() {
    return layerWith(yield* storeSettingsConfig)
  })
)
