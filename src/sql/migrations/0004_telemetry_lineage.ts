/**
 * 0004: an index for the lineage query (TelemetryStore.lineage): each step of its recursion looks up
 * the events whose parent_job_id is a job of the tree. Partial, since most jobs have no parent;
 * created on the partitioned table, so every partition (existing and future) gets it.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE INDEX telemetry_events_parent ON telemetry_events (parent_job_id) WHERE parent_job_id IS NOT NULL`)
})
