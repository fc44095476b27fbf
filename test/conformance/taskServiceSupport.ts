/**
 * Fixtures for the TaskService suite: actors with 64-bit ids past 2^53 (fresh ones per test, since the
 * suite's tests share one database), jobs written straight into `jobs` (the task side only reads them),
 * and the outbox rows a write appended, decoded back into bus events.
 */
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { UserId } from "../../src/contracts/UserId.js"
import type { Actor } from "../../src/services/Actor.js"
import type { JobStatus } from "../../src/services/jobs/types.js"
import * as OutboxLive from "../../src/services/outbox/OutboxLive.js"
import { type TaskBusEvent, TaskBusEvents } from "../../src/services/tasks/events.js"
import { TaskRepository } from "../../src/services/tasks/TaskRepository.js"
import * as TaskServiceLive from "../../src/services/tasks/TaskServiceLive.js"
import type { Database } from "../../src/sql/Database.js"
import * as Migrations from "../../src/sql/Migrations.js"

/** TaskService, TaskRepository, the outbox and the database, migrated. */
export const taskServiceLayer = (database: Layer.Layer<Database, unknown>) =>
  TaskServiceLive.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(TaskRepository.layer, OutboxLive.layer)),
    Layer.provideMerge(Migrations.layer),
    Layer.provideMerge(database),
    Layer.orDie
  )

let nextUser = 9_007_199_254_740_993n // 2^53 + 1: a double would round it

export interface Cast {
  readonly owner: Actor
  readonly assignee: Actor
  readonly other: Actor
  readonly operator: Actor
  readonly admin: Actor
}

const newUserId = (): UserId => (nextUser += 1n)

/** Five people no earlier test used. */
export const freshCast = (): Cast => {
  return {
    owner: { userId: newUserId(), roles: ["user"] },
    assignee: { userId: newUserId(), roles: ["user"] },
    other: { userId: newUserId(), roles: ["user"] },
    operator: { userId: newUserId(), roles: ["operator"] },
    admin: { userId: newUserId(), roles: ["admin"] }
  }
}

export const insertJob = (owner: UserId, status: JobStatus = "pending") =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly id: string }>`INSERT INTO jobs (id, user_id, domain, name, status)
      VALUES (gen_random_uuid(), ${owner}, 'digits', 'fixture job', ${status}) RETURNING id::text AS id`
    const id = rows[0]?.id
    return id === undefined ? yield* Effect.die("no job id") : id
  }).pipe(Effect.orDie)

export const setJobStatus = (id: string, status: JobStatus) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE jobs SET status = ${status} WHERE id = ${id}::uuid`
  }).pipe(Effect.orDie)

/** The outbox's last row id: events after it were appended by what runs next. */
export const outboxMark = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly id: bigint | null }>`SELECT max(id) AS id FROM outbox`
  return rows[0]?.id ?? 0n
}).pipe(Effect.orDie)

/** The events appended after `mark`, in order, decoded from their wire JSON. */
export const eventsSince = (mark: bigint) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly channel: string; readonly type: string; readonly body: string }>`
      SELECT channel, type, body FROM outbox WHERE id > ${mark} ORDER BY id`
    const events: Array<TaskBusEvent> = []
    for (const row of rows) {
      const event = yield* TaskBusEvents.decode(row.body)
      if (row.channel !== "tasks:bus" || row.type !== event.type) return yield* Effect.die(`bad outbox row ${row.type}`)
      events.push(event)
    }
    return events
  }).pipe(Effect.orDie)

/** `type task_id` of each event: enough to compare what a write appended. */
export const summary = (events: ReadonlyArray<TaskBusEvent>) => events.map((event) => `${event.type} ${event.task_id}`)

/** "ok" or the error's tag. */
export const outcome = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.match(effect, { onFailure: (error) => error._tag, onSuccess: () => "ok" })
