/**
 * How a service job and the runtime's jobs name each other. The JobService derives every runtime id
 * from the job's UUID, so the run projection can tell which job an event of `{domain}:events:log` is
 * about without a lookup table (and still after `runtime_job_id` moved on to a later run):
 *
 * - a run enqueued by `start` (or by an `at` schedule) is `svc-<job uuid>-<n>`, n = 1, 2, ... per
 *   enqueue (enqueue is idempotent by id, so each run needs a new one);
 * - a cron schedule is registered as `job-<job uuid>` and the runtime's scheduler enqueues its
 *   occurrences as `repeat:job-<job uuid>:<epoch ms>` (src/runtime/Schedules.ts);
 * - any other id is a runtime-only job (enqueued straight through the queue), found by
 *   `runtime_job_id`, or created by the projection.
 *
 * `jobs.runtime_job_id` holds the runtime's record key `{domain}:job:{id}` (contracts/Keys.ts): the
 * column is UNIQUE and runtime ids are unique only within a domain.
 */
import { jobKey, jobKeyPrefix } from "../../contracts/Keys.js"

const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
const runPattern = new RegExp(`^svc-(${uuid})-([1-9][0-9]{0,8})$`)
const occurrencePattern = new RegExp(`^repeat:job-(${uuid}):[0-9]+$`)

export const runtimeRunId = (jobId: string, n: number): string => `svc-${jobId}-${n}`

/** The runtime schedule of a cron job. */
export const scheduleName = (jobId: string): string => `job-${jobId}`

/** `{domain}:job:{id}`, what `runtime_job_id` stores. */
export const runtimeKey = (domain: string, runtimeId: string): string => jobKey(domain, runtimeId)

/** The runtime's own id back from a stored key (what Producer.cancel/status take). */
export const runtimeIdOfKey = (domain: string, key: string): string | undefined => {
  const prefix = jobKeyPrefix(domain)
  return key.startsWith(prefix) ? key.slice(prefix.length) : undefined
}

/** The service job a runtime id was derived from, and how. */
export type RuntimeOrigin =
  | { readonly kind: "run"; readonly jobId: string; readonly n: number }
  | { readonly kind: "occurrence"; readonly jobId: string }

export const originOf = (runtimeId: string): RuntimeOrigin | undefined => {
  const run = runPattern.exec(runtimeId)
  if (run?.[1] !== undefined && run[2] !== undefined) return { kind: "run", jobId: run[1], n: Number(run[2]) }
  const occurrence = occurrencePattern.exec(runtimeId)
  return occurrence?.[1] !== undefined ? { kind: "occurrence", jobId: occurrence[1] } : undefined
}

/** The n of the next `svc-` run of a job, from the key of its last runtime job (1 when there was none). */
export const nextRunNumber = (jobId: string, domain: string, key: string | null): number => {
  const runtimeId = key === null ? undefined : runtimeIdOfKey(domain, key)
  const origin = runtimeId === undefined ? undefined : originOf(runtimeId)
  return origin?.kind === "run" && origin.jobId === jobId ? origin.n + 1 : 1
}

/** How many of a job's latest `svc-` runs its lineage looks at (one query each). */
export const lineageRuns = 20

/**
 * The runtime ids a job's telemetry is under, latest first: its `svc-<uuid>-<n>` runs from the last
 * one `runtime_job_id` names back to 1 (at most `lineageRuns`), or the one runtime job it names
 * otherwise (a runtime-only job, a cron job's latest occurrence). None before the first run.
 */
export const runtimeIdsOfJob = (job: { readonly id: string; readonly domain: string; readonly runtime_job_id: string | null }): ReadonlyArray<string> => {
  const runtimeId = job.runtime_job_id === null ? undefined : runtimeIdOfKey(job.domain, job.runtime_job_id)
  if (runtimeId === undefined) return []
  const origin = originOf(runtimeId)
  if (origin?.kind !== "run" || origin.jobId !== job.id) return [runtimeId]
  const ids: Array<string> = []
  for (let n = origin.n; n >= 1 && ids.length < lineageRuns; n--) ids.push(runtimeRunId(job.id, n))
  return ids
}
