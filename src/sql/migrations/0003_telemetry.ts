/**
 * 0003: the telemetry event store (issue 19, seed 004); src/telemetry/README.md explains the design.
 *
 * - `telemetry_events` is partitioned BY RANGE on `created_at` by month (declarative partitioning, no
 *   pg_partman, so the embedded PGlite runs it too). `created_at` is the event's own `timestamp`, not
 *   the time of the insert: a re-delivered event then falls in the same partition as its first copy,
 *   and the primary key (event_id, created_at) (a partitioned table's unique keys must contain the
 *   partition key) makes `ON CONFLICT DO NOTHING` de-duplicate it. Partitions are created ahead and
 *   dropped past retention by TelemetryStore's maintenance, not here.
 * - `telemetry_hourly` keeps hourly aggregates longer than the raw events; `telemetry_dirty_hours`
 *   lists the hour buckets whose raw events changed since they were last aggregated.
 * - `telemetry_domain_summary` is the dashboard's per-domain summary, built from the aggregates.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

const statements = [
  `CREATE TABLE telemetry_events (
  event_id          uuid             NOT NULL,
  created_at        timestamptz      NOT NULL,
  domain            text             NOT NULL,
  event_type        text             NOT NULL CHECK (event_type IN ('job.started','job.completed','job.failed','job.retrying')),
  version           text             NOT NULL,
  job_id            text             NOT NULL,
  job_execution_id  text             NOT NULL,
  task              text             NOT NULL,
  partition_key     text             NOT NULL,
  correlation_id    text,
  parent_job_id     text,
  retry_count       integer,
  latency_ms        double precision,
  total_rows        bigint,
  payload_bytes     bigint,
  error             text,
  payload           jsonb            NOT NULL,
  stored_at         timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, created_at)
) PARTITION BY RANGE (created_at)`,
  `CREATE INDEX telemetry_events_job ON telemetry_events (job_id, created_at)`,
  `CREATE INDEX telemetry_events_domain_time ON telemetry_events (domain, created_at)`,
  `CREATE INDEX telemetry_events_correlation ON telemetry_events (correlation_id, created_at) WHERE correlation_id IS NOT NULL`,
  `CREATE INDEX telemetry_events_partition_key ON telemetry_events (partition_key, created_at)`,
  `CREATE TABLE telemetry_hourly (
  domain         text             NOT NULL,
  task           text             NOT NULL,
  hour           timestamptz      NOT NULL,
  events         bigint           NOT NULL,
  started        bigint           NOT NULL,
  completed      bigint           NOT NULL,
  failures       bigint           NOT NULL,
  retries        bigint           NOT NULL,
  latency_p50_ms double precision,
  latency_p95_ms double precision,
  total_rows     bigint           NOT NULL,
  refreshed_at   timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (domain, task, hour)
)`,
  `CREATE INDEX telemetry_hourly_hour ON telemetry_hourly (hour)`,
  `CREATE TABLE telemetry_dirty_hours (
  domain  text        NOT NULL,
  hour    timestamptz NOT NULL,
  PRIMARY KEY (domain, hour)
)`,
  `CREATE MATERIALIZED VIEW telemetry_domain_summary AS
SELECT domain,
       sum(events)::bigint     AS events,
       sum(completed)::bigint  AS completed,
       sum(failures)::bigint   AS failures,
       sum(retries)::bigint    AS retries,
       sum(total_rows)::bigint AS total_rows,
       max(latency_p95_ms)     AS worst_hour_latency_p95_ms,
       min(hour)               AS first_hour,
       max(hour)               AS last_hour
FROM telemetry_hourly
GROUP BY domain`,
  `CREATE UNIQUE INDEX telemetry_domain_summary_domain ON telemetry_domain_summary (domain)`
]

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  for (const statement of statements) yield* sql.unsafe(statement)
})
