/**
 * The JobService of seed 003 (`core/services/jobs/service.py`): every operation takes the acting
 * `Actor`, checks JobPermissions, applies the lifecycle of ./transitions.ts, writes PostgreSQL through
 * JobRepository and appends its bus events to the outbox in the same transaction. `start` enqueues a
 * run on the runtime (Producer), `cancel` uses the runtime's cancel (a running fiber is interrupted),
 * `schedule` stores the runtime's schedule; `complete`/`fail` are for jobs driven from outside the
 * runtime. Runs (`history`) come from the run projection of the runtime's lifecycle events; `lineage`
 * from the telemetry store in the same database.
 *
 * The OperationResult of the seed is the error channel: NotFound, Forbidden, InvalidTransition,
 * Conflict, Validation (../errors.ts). The layer is in ./JobServiceLive.ts.
 */
import { Context, type Effect } from "effect"
import type { Actor } from "../Actor.js"
import type { LineageNode } from "../../telemetry/Lineage.js"
import type { Conflict, Forbidden, InvalidTransition, NotFound, Validation } from "../errors.js"
import type { Job, JobCreate, JobFilters, JobRun, JobSchedule, JobUpdate } from "./types.js"

/** A page of a listing; `next_cursor` is null on the last page. */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next_cursor: string | null
}

/** What an outside system reports when it finishes a job it drove itself. */
export interface ExternalResult {
  readonly result_id?: string
  readonly result_bytes?: number
}

/**
 * A job's lineage from the stored telemetry (src/telemetry/Lineage.ts): for each of its runtime jobs
 * (runs `svc-<uuid>-<n>`, latest first) that has telemetry, the tree of jobs it enqueued, theirs, and
 * so on, each with its latest status. Empty when no telemetry of it is stored (workers emit it only
 * with TELEMETRY_EMITTERS=redis and a telemetry projector running).
 */
export interface JobLineage {
  readonly job_id: string
  readonly runtime_jobs: ReadonlyArray<LineageNode>
}

export type JobServiceError = NotFound | Forbidden | InvalidTransition | Conflict | Validation

export class JobService extends Context.Service<JobService, {
  readonly create: (actor: Actor, input: JobCreate) => Effect.Effect<Job, JobServiceError>
  readonly get: (actor: Actor, id: string) => Effect.Effect<Job, JobServiceError>
  readonly update: (actor: Actor, id: string, input: JobUpdate) => Effect.Effect<Job, JobServiceError>
  readonly delete: (actor: Actor, id: string) => Effect.Effect<void, JobServiceError>
  readonly list: (actor: Actor, filters: JobFilters) => Effect.Effect<Page<Job>, JobServiceError>
  readonly schedule: (actor: Actor, id: string, schedule: JobSchedule) => Effect.Effect<Job, JobServiceError>
  /** Enqueues a run now on the runtime. */
  readonly start: (actor: Actor, id: string) => Effect.Effect<Job, JobServiceError>
  readonly cancel: (actor: Actor, id: string, reason: string) => Effect.Effect<Job, JobServiceError>
  readonly complete: (actor: Actor, id: string, result: ExternalResult) => Effect.Effect<Job, JobServiceError>
  readonly fail: (actor: Actor, id: string, error: string) => Effect.Effect<Job, JobServiceError>
  /** Jobs waiting to run (pending or scheduled) that the actor sees. */
  readonly pending: (actor: Actor) => Effect.Effect<ReadonlyArray<Job>, JobServiceError>
  readonly running: (actor: Actor) => Effect.Effect<ReadonlyArray<Job>, JobServiceError>
  /** Every run of the job, first attempt first. */
  readonly history: (actor: Actor, id: string) => Effect.Effect<ReadonlyArray<JobRun>, JobServiceError>
  /** The jobs it enqueued (and theirs), from the telemetry store; same permission as `history`. */
  readonly lineage: (actor: Actor, id: string) => Effect.Effect<JobLineage, JobServiceError>
}>()("jobs/services/JobService") {}
