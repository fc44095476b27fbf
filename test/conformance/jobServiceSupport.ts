/**
 * Fixtures for the JobService and run projection suites: the service over a database and the runtime
 * (a real redis-server by default, or the in-memory twin), actors with 64-bit ids past 2^53 (fresh
 * ones per test, since a suite's tests share one database), tasks written straight into `tasks`, the
 * outbox rows a write appended decoded back into bus events, and a tiny job for real workers.
 */
import { Deferred, Effect, Layer, Ref, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { UserId } from "../../src/contracts/UserId.js"
import { JobContext } from "../../src/runtime/JobContext.js"
import { defineJob } from "../../src/runtime/JobDefinition.js"
import { JobSystemError, JobUserError } from "../../src/runtime/JobErrors.js"
import { Producer } from "../../src/runtime/Producer.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../../src/runtime/RuntimeLayer.js"
import { startWorker } from "../../src/runtime/Worker.js"
import type { Actor } from "../../src/services/Actor.js"
import { type JobBusEvent, JobBusEvents } from "../../src/services/jobs/events.js"
import { JobRepository } from "../../src/services/jobs/JobRepository.js"
import { JobRuntime } from "../../src/services/jobs/JobRuntime.js"
import { projectDomain } from "../../src/services/jobs/RunProjection.js"
import type { Job } from "../../src/services/jobs/types.js"
import * as JobServiceLive from "../../src/services/jobs/JobServiceLive.js"
import { JobPermissions } from "../../src/services/jobs/permissions.js"
import * as OutboxLive from "../../src/services/outbox/OutboxLive.js"
import { TaskPermissions } from "../../src/services/tasks/permissions.js"
import type { Database } from "../../src/sql/Database.js"
import * as Migrations from "../../src/sql/Migrations.js"
import { redisClientOnServer, RedisServer } from "../support/RedisServer.js"

/** A domain whose payloads the Producer checks (`{ text: string }`): a bad one is refused at `start`. */
export const checkedDomain = "svc_checked"
export const checkedJob = defineJob({
  domain: checkedDomain,
  payload: Schema.Struct({ text: Schema.String }),
  run: () => Effect.succeed({ resultId: "never-run", resultBytes: 0 })
})

/** Short leases and retry backoff, so retries and recoveries happen within a test. */
const runtimeSettings = RuntimeConfig.layerWith({ leaseMs: 2_000, defaultBackoffMs: 20 })

const runtimeOn = (redis: "server" | "memory") =>
  redis === "server"
    ? runtimeLayer(Layer.provide(redisClientOnServer, RedisServer.layer()), runtimeSettings)
    : runtimeLayer(RedisClient.layerMemory, runtimeSettings)

/** JobService and everything under it: repository, runtime seam, outbox, permissions, migrated database, runtime. */
export const jobServiceLayer = (database: Layer.Layer<Database, unknown>, redis: "server" | "memory" = "server") =>
  JobServiceLive.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(JobRuntime.layer, JobPermissions.layer, TaskPermissions.layer)),
    Layer.provideMerge(Layer.mergeAll(JobRepository.layer, OutboxLive.layer, Producer.layerWithJobs([checkedJob]))),
    Layer.provideMerge(Migrations.layer),
    Layer.provideMerge(database),
    Layer.provideMerge(runtimeOn(redis)),
    Layer.orDie
  )

// 2^62 + 1 and up: past 2^53 (a double would round them), apart from other suites' ids.
let nextUser = 4_611_686_018_427_387_905n

export interface Cast {
  readonly owner: Actor
  readonly other: Actor
  readonly operator: Actor
  readonly admin: Actor
}

export const newUserId = (): UserId => (nextUser += 1n)

/** Four people no earlier test used. */
export const freshCast = (): Cast => ({
  owner: { userId: newUserId(), roles: ["user"] },
  other: { userId: newUserId(), roles: ["user"] },
  operator: { userId: newUserId(), roles: ["operator"] },
  admin: { userId: newUserId(), roles: ["admin"] }
})

let nextDomain = 0
/** A domain no earlier test used (its queue, log and schedules are the test's own). */
export const freshDomain = (prefix = "svc"): string => `${prefix}_${nextDomain++}`

export const insertTask = (owner: UserId, assignee: UserId | null = null) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly id: string }>`INSERT INTO tasks (id, user_id, assignee_user_id, title, status)
      VALUES (gen_random_uuid(), ${owner}, ${assignee}, 'fixture task', 'open') RETURNING id::text AS id`
    const id = rows[0]?.id
    return id === undefined ? yield* Effect.die("no task id") : id
  }).pipe(Effect.orDie)

/** The outbox's last row id: events after it were appended by what runs next. */
export const outboxMark = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly id: bigint | null }>`SELECT max(id) AS id FROM outbox`
  return rows[0]?.id ?? 0n
}).pipe(Effect.orDie)

/** The job events appended after `mark` (of one job when given), in order, decoded from their wire JSON. */
export const jobEventsSince = (mark: bigint, jobId?: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly channel: string; readonly type: string; readonly body: string }>`
      SELECT channel, type, body FROM outbox WHERE id > ${mark} AND channel = 'jobs:bus' ORDER BY id`
    const events: Array<JobBusEvent> = []
    for (const row of rows) {
      const event = yield* JobBusEvents.decode(row.body)
      if (row.type !== event.type) return yield* Effect.die(`bad outbox row ${row.type}`)
      if (jobId === undefined || event.job_id === jobId) events.push(event)
    }
    return events
  }).pipe(Effect.orDie)

/** `type` of each event, with the status move of a status change: enough to compare what a write appended. */
export const summary = (events: ReadonlyArray<JobBusEvent>) =>
  events.map((event) => (event.type === "job.status_changed.v1" ? `${event.type} ${event.from}->${event.to}` : event.type))

/** "ok" or the error's tag. */
export const outcome = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.match(effect, { onFailure: (error) => error._tag, onSuccess: () => "ok" })

/** Polls `read` every 25 ms until `done` holds (or fails the test after `timeoutMs`). */
export const waitFor = <A, E, R>(read: Effect.Effect<A, E, R>, done: (value: A) => boolean, what: string, timeoutMs = 15_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    let last: A | undefined
    while (Date.now() < deadline) {
      last = yield* read
      if (done(last)) return last
      yield* Effect.sleep("25 millis")
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last, (_, v) => typeof v === "bigint" ? `${v}n` : v)}`))
  })

export const ProbePayload = Schema.Struct({ mode: Schema.Literals(["ok", "fail-once", "user-error", "hang"]) })

export interface Probe {
  /** Attempts that started, by runtime job id. */
  readonly attempts: Ref.Ref<ReadonlyArray<string>>
  /** Completed with the runtime job id when a `hang` job is running. */
  readonly hanging: Deferred.Deferred<string>
  /** Completed when a running job's fiber was interrupted. */
  readonly interrupted: Deferred.Deferred<string>
}

export const makeProbe = Effect.gen(function*() {
  return {
    attempts: yield* Ref.make<ReadonlyArray<string>>([]),
    hanging: yield* Deferred.make<string>(),
    interrupted: yield* Deferred.make<string>()
  } satisfies Probe
})

/**
 * A tiny job: `ok` succeeds, `fail-once` fails with a system error on attempt 1 (retried) and succeeds
 * on attempt 2, `user-error` fails for good, `hang` runs until interrupted.
 */
export const probeJob = (domain: string, probe: Probe) =>
  defineJob({
    domain,
    payload: ProbePayload,
    run: (payload) =>
      Effect.gen(function*() {
        const ctx = yield* JobContext
        yield* Ref.update(probe.attempts, (ids) => [...ids, ctx.info.jobId])
        switch (payload.mode) {
          case "fail-once":
            if (ctx.info.attempt === 1) return yield* new JobSystemError({ message: "dependency unavailable (attempt 1)" })
            break
          case "user-error":
            return yield* new JobUserError({ message: "bad input", code: "BAD_INPUT" })
          case "hang":
            yield* Deferred.succeed(probe.hanging, ctx.info.jobId)
            return yield* Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(probe.interrupted, ctx.info.jobId)))
          case "ok":
            break
        }
        return { resultId: `result-${ctx.info.jobId}`, resultBytes: 12 }
      })
  })

export const finished = (job: Job) => job.status === "succeeded" || job.status === "failed" || job.status === "cancelled"

/** A worker and the projection for a fresh domain, for the lifetime of the test's scope. */
export const runtimeFor = (options: { readonly projection?: boolean } = {}) =>
  Effect.gen(function*() {
    const domain = freshDomain("runs")
    const probe = yield* makeProbe
    yield* startWorker(probeJob(domain, probe), { concurrency: 2, idleWaitMs: 100 })
    if (options.projection !== false) yield* projectDomain(domain, { blockMs: 100 })
    return { domain, probe }
  })
