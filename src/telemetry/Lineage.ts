/**
 * Job lineage from the stored telemetry: a job, the jobs it enqueued (their events name it as
 * `parent_job_id`), theirs, and so on, each with its latest status. One recursive query over
 * telemetry_events; the tree is assembled here.
 */
import { Effect, Option } from "effect"
import type { SqlClient, SqlError } from "effect/sql"

/** A job's latest state as its telemetry tells it. */
export type LineageStatus = "running" | "retrying" | "completed" | "failed"

export interface LineageNode {
  readonly job_id: string
  /** The job that enqueued this one; null for a job enqueued from outside a job. */
  readonly parent_job_id: string | null
  readonly domain: string
  readonly task: string
  readonly correlation_id: string | null
  readonly status: LineageStatus
  /** Its latest event's time (ISO 8601). */
  readonly updated_at: string
  /** Oldest first. */
  readonly children: ReadonlyArray<LineageNode>
}

/** Deeper chains are cut here: a cycle (a broken emitter) must not loop the query. */
const maxDepth = 32

const statusOf: Record<string, LineageStatus> = {
  "job.started": "running",
  "job.retrying": "retrying",
  "job.completed": "completed",
  "job.failed": "failed"
}

interface Row {
  readonly job_id: string
  readonly parent_job_id: string | null
  readonly domain: string
  readonly task: string
  readonly correlation_id: string | null
  readonly event_type: string
  readonly updated_at: string
  readonly first_at: string
}

/**
 * The tree `jobId` heads, or None when no event of it is stored. The latest event of each job gives
 * its status; events of one millisecond are ordered started < retrying < completed/failed, so an
 * attempt that ended in the millisecond it began reads as ended.
 */
export const lineage = (sql: SqlClient.SqlClient, jobId: string): Effect.Effect<Option.Option<LineageNode>, SqlError.SqlError> =>
  Effect.map(
    sql<Row>`WITH RECURSIVE tree(job_id, depth) AS (
        SELECT ${jobId}::text, 0
        UNION
        SELECT e.job_id, t.depth + 1 FROM telemetry_events e JOIN tree t ON e.parent_job_id = t.job_id
        WHERE t.depth < ${maxDepth} AND e.job_id <> ${jobId}
      ), jobs AS (SELECT DISTINCT job_id FROM tree)
      SELECT DISTINCT ON (e.job_id) e.job_id, e.parent_job_id, e.domain, e.task, e.correlation_id, e.event_type,
        to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
        to_char(min(e.created_at) OVER (PARTITION BY e.job_id) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS first_at
      FROM telemetry_events e JOIN jobs j ON e.job_id = j.job_id
      ORDER BY e.job_id, e.created_at DESC,
        CASE e.event_type WHEN 'job.started' THEN 0 WHEN 'job.retrying' THEN 1 ELSE 2 END DESC`,
    (rows) => assemble(jobId, rows)
  )

const assemble = (rootId: string, rows: ReadonlyArray<Row>): Option.Option<LineageNode> => {
  const children = new Map<string, Array<Row>>()
  let root: Row | undefined
  for (const row of rows) {
    if (row.job_id === rootId) root = row
    else if (row.parent_job_id !== null) children.set(row.parent_job_id, [...(children.get(row.parent_job_id) ?? []), row])
  }
  const build = (row: Row): LineageNode => ({
    job_id: row.job_id,
    parent_job_id: row.parent_job_id,
    domain: row.domain,
    task: row.task,
    correlation_id: row.correlation_id,
    status: statusOf[row.event_type] ?? "running",
    updated_at: row.updated_at,
    children: (children.get(row.job_id) ?? [])
      .sort((a, b) => a.first_at.localeCompare(b.first_at) || a.job_id.localeCompare(b.job_id))
      .map(build)
  })
  return root === undefined ? Option.none() : Option.some(build(root))
}
