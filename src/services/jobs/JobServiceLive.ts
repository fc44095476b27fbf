/**
 * The JobService layer: permissions (./permissions.ts) and the lifecycle (./transitions.ts) over
 * JobRepository, with the runtime behind JobRuntime. Every write is ONE SQL transaction that locks
 * the job, changes it, appends its bus events to the outbox and then makes the runtime call (enqueue,
 * cancel, register a schedule); only the key of a run the runtime just accepted is written after it.
 * A refused or failed runtime call rolls the row and its events back. The reverse (the runtime
 * accepted, then COMMIT failed) leaves a runtime job the row does not name; its events still reach the
 * job through the run projection, since runtime ids are derived from the job id (./runtimeIds.ts).
 *
 * Inputs are decoded first (a malformed request is a Validation whatever the id names); then the
 * checks run in the order that leaks nothing: existence and visibility (NotFound), the operation
 * (Forbidden), the lifecycle (InvalidTransition), the input against the state. An infrastructure
 * failure (SqlError, Redis down) is a defect: the interface's error channel is the seed's
 * OperationResult, and a caller cannot act on a lost connection differently than on a bug.
 */
import { randomUUID } from "node:crypto"
import { DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { formatTimestamp } from "../../contracts/Timestamps.js"
import { lineage } from "../../telemetry/Lineage.js"
import type { Actor } from "../Actor.js"
import { decodeCursor, encodeCursor } from "../Cursor.js"
import { notFound, validation } from "../errors.js"
import { decodeStrict, defaultPageSize, defaultPriority } from "../fields.js"
import { Outbox } from "../outbox/Outbox.js"
import { TaskPermissions } from "../tasks/permissions.js"
import { appendJobEvents, type JobEventBody, statusChanged } from "./jobOutbox.js"
import { JobRepository, type JobPatch } from "./JobRepository.js"
import { JobRuntime } from "./JobRuntime.js"
import { JobService } from "./JobService.js"
import { type JobOperation, JobPermissions } from "./permissions.js"
import { runtimeIdsOfJob } from "./runtimeIds.js"
import { checkDelete, checkUpdate, transition } from "./transitions.js"
import { type Job, JobCreate, JobFilters, JobSchedule, JobUpdate } from "./types.js"

/** Typed inputs are checked again on their Type side: a JS caller's unknown field or bad name is a Validation. */
const checkCreate = decodeStrict(Schema.toType(JobCreate))
const checkChanges = decodeStrict(Schema.toType(JobUpdate))
const checkFilters = decodeStrict(Schema.toType(JobFilters))
const checkSchedule = decodeStrict(Schema.toType(JobSchedule))

/** What `pending` and `running` return at most (oldest first); `list` with a status filter pages through all. */
export const maxWaitingListed = 1_000
const defaultMaxAttempts = 3

const scheduledEvent = (schedule: JobSchedule): JobEventBody =>
  schedule.kind === "at"
    ? { type: "job.scheduled.v1", schedule_kind: "at", run_at: formatTimestamp(DateTime.toEpochMillis(schedule.run_at)) }
    : { type: "job.scheduled.v1", schedule_kind: "cron", cron: schedule.cron }

const isSql = <E>(error: E | SqlError.SqlError): error is SqlError.SqlError => SqlError.isSqlError(error)
const dieOnSql = <A, E>(effect: Effect.Effect<A, E | SqlError.SqlError>): Effect.Effect<A, Exclude<E, SqlError.SqlError>> =>
  effect.pipe(Effect.catchIf(isSql, Effect.die, Effect.fail))

const emit = (actor: Actor, job: Job, bodies: ReadonlyArray<JobEventBody>) => appendJobEvents(job, actor.userId, bodies)

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const repo = yield* JobRepository
  const runtime = yield* JobRuntime
  const outbox = yield* Outbox
  const permissions = yield* JobPermissions
  const taskPermissions = yield* TaskPermissions

  /** One transaction; the outbox is provided so events join it. */
  const write = <A, E>(effect: Effect.Effect<A, E, Outbox>) =>
    dieOnSql(sql.withTransaction(effect.pipe(Effect.provideService(Outbox, outbox))))
  /** A read outside a transaction. */
  const read = dieOnSql

  /** The job, when the actor may do `operation` on it (row-locked when `lock`). */
  const load = (actor: Actor, id: string, operation: JobOperation, lock: boolean) =>
    (lock ? repo.findForUpdate(id) : repo.findById(id)).pipe(
      Effect.flatMap((job) => (job === undefined ? Effect.fail(notFound("job", id)) : Effect.succeed(job))),
      Effect.tap((job) => permissions.check(actor, operation, job))
    )

  const reread = (id: string) =>
    repo.findById(id).pipe(Effect.flatMap((job) => (job === undefined ? Effect.die(`job ${id} vanished`) : Effect.succeed(job))))

  /** Tasks to link at creation: each must exist, be seen by the actor and accept the actor's links. */
  const checkTasks = (actor: Actor, taskIds: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      if (taskIds.length === 0) return
      const found = yield* repo.tasks(taskIds)
      for (const taskId of taskIds) {
        const task = found.find((candidate) => candidate.id === taskId.toLowerCase())
        if (task === undefined) return yield* Effect.fail(notFound("task", taskId))
        yield* taskPermissions.check(actor, "link_job", task)
      }
    })

  /** Hands a schedule to the runtime; an `at` schedule is a delayed run, whose key is returned. */
  const register = (job: Job, schedule: JobSchedule) =>
    schedule.kind === "at"
      ? runtime.enqueueRun(job, { runAt: DateTime.toEpochMillis(schedule.run_at) })
      : runtime.registerCron(job, schedule).pipe(Effect.as(job.runtime_job_id))

  /** Hands the job's schedule to the runtime and records the key of an `at` schedule's waiting run. */
  const registerSchedule = (job: Job, schedule: JobSchedule) =>
    Effect.gen(function*() {
      const key = yield* register(job, schedule)
      return key === job.runtime_job_id ? job : yield* repo.update(job.id, { runtime_job_id: key })
    })

  const create: JobService["Service"]["create"] = (actor, raw) =>
    Effect.gen(function*() {
      const input = yield* checkCreate(raw)
      const owner = yield* permissions.ownerForCreate(actor, input.user_id)
      const taskIds = [...new Set((input.task_ids ?? []).map((id) => id.toLowerCase()))]
      return yield* write(Effect.gen(function*() {
        yield* checkTasks(actor, taskIds)
        const schedule = input.schedule ?? null
        const inserted = yield* repo.insert({
          id: randomUUID(),
          user_id: owner,
          domain: input.domain,
          name: input.name,
          description: input.description ?? null,
          payload: JSON.stringify(input.payload ?? {}),
          status: schedule === null ? "pending" : "scheduled",
          priority: input.priority ?? defaultPriority,
          schedule,
          max_attempts: input.max_attempts ?? defaultMaxAttempts
        })
        yield* repo.linkTasks(inserted.id, taskIds)
        yield* emit(actor, inserted, [
          { type: "job.created.v1", name: inserted.name, status: inserted.status, priority: inserted.priority },
          ...(schedule === null ? [] : [scheduledEvent(schedule)])
        ])
        if (schedule !== null) yield* registerSchedule(inserted, schedule)
        return yield* reread(inserted.id)
      }))
    })

  const update: JobService["Service"]["update"] = (actor, id, raw) =>
    Effect.gen(function*() {
      const input = yield* checkChanges(raw)
      return yield* write(Effect.gen(function*() {
        const job = yield* load(actor, id, "update", true)
        const current: Readonly<Record<string, unknown>> = {
          name: job.name,
          description: job.description,
          payload: job.payload,
          priority: job.priority,
          max_attempts: job.max_attempts
        }
        const changed = Object.entries(input).filter(([field, value]) => !sameJson(current[field], value)).map(([field]) => field)
        if (changed.length === 0) return job
        yield* Effect.fromResult(checkUpdate(job, changed))
        const { payload, ...labels } = input
        const patch: JobPatch = { ...labels, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) }
        // A waiting run holds the old payload and attempts: hand the runtime the new ones.
        const rerun = changed.some((field) => field === "payload" || field === "max_attempts")
        const updated = yield* repo.update(job.id, patch)
        yield* emit(actor, updated, [{ type: "job.updated.v1", fields: changed }])
        if (!rerun || job.status !== "scheduled" || job.schedule === null) return updated
        yield* runtime.release(job)
        return yield* registerSchedule(updated, job.schedule)
      }))
    })

  const remove: JobService["Service"]["delete"] = (actor, id) =>
    write(Effect.gen(function*() {
      const job = yield* load(actor, id, "delete", true)
      yield* Effect.fromResult(checkDelete(job))
      yield* repo.delete(job.id)
      yield* emit(actor, job, [{ type: "job.deleted.v1" }])
      yield* runtime.release(job)
    }))

  const list: JobService["Service"]["list"] = (actor, raw) =>
    Effect.gen(function*() {
      const filters = yield* checkFilters(raw)
      const after = filters.cursor === undefined ? undefined : yield* decodeCursor(filters.cursor)
      const limit = filters.limit ?? defaultPageSize
      const rows = yield* read(repo.list(permissions.scopeFilters(actor, filters), after, limit + 1))
      const items = rows.slice(0, limit)
      const last = items.at(-1)
      return { items, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null }
    })

  const schedule: JobService["Service"]["schedule"] = (actor, id, raw) =>
    Effect.gen(function*() {
      const next = yield* checkSchedule(raw)
      return yield* write(Effect.gen(function*() {
        const job = yield* load(actor, id, "schedule", true)
        const to = yield* Effect.fromResult(transition(job, "schedule"))
        const scheduled = yield* repo.update(job.id, { status: to, schedule: next })
        yield* emit(actor, scheduled, [...statusChanged(job.status, to), scheduledEvent(next)])
        yield* runtime.release(job)
        return yield* registerSchedule(scheduled, next)
      }))
    })

  const start: JobService["Service"]["start"] = (actor, id) =>
    write(Effect.gen(function*() {
      const job = yield* load(actor, id, "start", true)
      const to = yield* Effect.fromResult(transition(job, "start"))
      // Run now instead of at run_at: the waiting run goes (a cron schedule stays and fires again).
      if (job.status === "scheduled" && job.schedule?.kind === "at") yield* runtime.release(job)
      const key = yield* runtime.enqueueRun(job)
      const started = yield* repo.update(job.id, { status: to, runtime_job_id: key })
      yield* emit(actor, started, [...statusChanged(job.status, to), { type: "job.started.v1", runtime_job_id: key }])
      return started
    }))

  const cancel: JobService["Service"]["cancel"] = (actor, id, reason) =>
    write(Effect.gen(function*() {
      const job = yield* load(actor, id, "cancel", true)
      const to = yield* Effect.fromResult(transition(job, "cancel"))
      const cancelled = yield* repo.update(job.id, { status: to })
      const why = reason.trim()
      yield* emit(actor, cancelled, [
        ...statusChanged(job.status, to),
        { type: "job.cancelled.v1", ...(why === "" ? {} : { reason: why }) }
      ])
      // A running run is interrupted by its worker; the projection closes it as `cancelled`.
      yield* runtime.release(job)
      return cancelled
    }))

  /** `complete` and `fail` of a job driven from outside the runtime: the open run (if any) ends too. */
  const finish = (actor: Actor, id: string, operation: "complete" | "fail", end: { error: string | null; event: JobEventBody }) =>
    write(Effect.gen(function*() {
      const job = yield* load(actor, id, operation, true)
      const to = yield* Effect.fromResult(transition(job, operation === "complete" ? "succeed" : "fail"))
      const run = yield* repo.openRun(job.id)
      if (run !== undefined) {
        yield* repo.closeRun(job.id, run.attempt, {
          outcome: operation === "complete" ? "succeeded" : "failed",
          ended_at: yield* DateTime.now,
          error: end.error
        })
      }
      const finished = yield* repo.update(job.id, { status: to })
      yield* emit(actor, finished, [...statusChanged(job.status, to), end.event])
      return finished
    }))

  const complete: JobService["Service"]["complete"] = (actor, id, result) =>
    Effect.gen(function*() {
      const bytes = result.result_bytes
      if (bytes !== undefined && !(Number.isSafeInteger(bytes) && bytes >= 0)) {
        return yield* validation("result_bytes", "Expected an integer >= 0")
      }
      const reported = {
        ...(result.result_id === undefined ? {} : { result_id: result.result_id }),
        ...(bytes === undefined ? {} : { result_bytes: bytes })
      }
      return yield* finish(actor, id, "complete", {
        error: null,
        event: { type: "job.succeeded.v1", ...(Object.keys(reported).length === 0 ? {} : { result: reported }) }
      })
    })

  const fail: JobService["Service"]["fail"] = (actor, id, error) =>
    error.trim() === ""
      ? Effect.fail(validation("error", "Expected a non-empty error message"))
      : finish(actor, id, "fail", { error, event: { type: "job.failed.v1", error } })

  const waiting = (actor: Actor, statuses: ReadonlyArray<Job["status"]>) =>
    read(repo.byStatus(statuses, permissions.scopeFilters(actor, {}).visible_to, maxWaitingListed))

  return JobService.of({
    create,
    get: (actor, id) => read(load(actor, id, "view", false)),
    update,
    delete: remove,
    list,
    schedule,
    start,
    cancel,
    complete,
    fail,
    pending: (actor) => waiting(actor, ["pending", "scheduled"]),
    running: (actor) => waiting(actor, ["running"]),
    history: (actor, id) =>
      read(load(actor, id, "history", false).pipe(Effect.flatMap((job) => repo.runs(job.id)))),
    // The telemetry tables live in this database (migrations 0003/0004), so the lineage query runs
    // on this SqlClient: one query per runtime job, which the telemetry names, not the service id.
    lineage: (actor, id) =>
      read(load(actor, id, "history", false).pipe(Effect.flatMap((job) =>
        Effect.map(
          Effect.forEach(runtimeIdsOfJob(job), (runtimeId) => lineage(sql, runtimeId)),
          (trees) => ({ job_id: job.id, runtime_jobs: trees.flatMap((tree) => Option.toArray(tree)) })
        ))))
  })
})

/**
 * The JobService over PostgreSQL (JobRepository), the outbox and the runtime (JobRuntime). Provide
 * `JobRepository.layer`, `JobRuntime.layer`, an Outbox layer, and the permission checkers.
 */
export const layer: Layer.Layer<
  JobService,
  never,
  SqlClient.SqlClient | JobRepository | JobRuntime | Outbox | JobPermissions | TaskPermissions
> = Layer.effect(JobService, make)
