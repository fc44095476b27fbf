/**
 * The transactional outbox (src/services/outbox): `append` writes with the caller's transaction, and the
 * publisher moves committed rows to Redis (durable log + channel) in order, exactly when they committed.
 * Run on the embedded PGlite and on a real PostgreSQL, with a real redis-server.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as Database from "../src/sql/Database.js"
import * as Migrations from "../src/sql/Migrations.js"
import { Outbox, type OutboxEvent } from "../src/services/outbox/Outbox.js"
import * as OutboxLive from "../src/services/outbox/OutboxLive.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"

const event = (n: number, channel: OutboxEvent["channel"] = "jobs:bus"): OutboxEvent => ({
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
  channel,
  type: "job.created.v1",
  body: `{"n":${n}}`
})

const rowsOf = (ids: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{ readonly event_id: string; readonly published_at: Date | null }>`
      SELECT event_id, published_at FROM outbox WHERE event_id IN ${sql.in(ids)} ORDER BY id`
  })

const outboxSuite = (name: string, database: Layer.Layer<Database.Database, unknown>) =>
  layer(
    OutboxLive.layer.pipe(Layer.provideMerge(Migrations.layer), Layer.provideMerge(database), Layer.orDie),
    { excludeTestServices: true, timeout: "60 seconds" }
  )(`Outbox on ${name}`, (it) => {
    it.effect("append inside a transaction that rolls back leaves no row", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const outbox = yield* Outbox
        const events = [event(1), event(2)]
        const failed = yield* sql.withTransaction(outbox.append(events).pipe(Effect.andThen(Effect.fail("rolled back" as const)))).pipe(Effect.flip)
        assert.strictEqual(failed, "rolled back")
        assert.deepStrictEqual(yield* rowsOf(events.map((e) => e.eventId)), [])
      }))

    it.effect("append inside a committed transaction stores the rows, unpublished, in order", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const outbox = yield* Outbox
        const events = [event(3), event(4, "tasks:bus"), event(5)]
        yield* sql.withTransaction(outbox.append(events))
        yield* outbox.append([])
        const rows = yield* rowsOf(events.map((e) => e.eventId))
        assert.deepStrictEqual(rows.map((row) => [row.event_id, row.published_at]), events.map((e) => [e.eventId, null]))
      }))

    it.effect("a commit wakes the publisher's signal; a rollback does not", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const outbox = yield* Outbox
        const signal = yield* OutboxLive.OutboxSignal
        yield* signal.awaitWake.pipe(Effect.timeoutOption("10 millis")) // a wake left by the test before
        yield* sql.withTransaction(outbox.append([event(6)]).pipe(Effect.andThen(Effect.fail("no" as const)))).pipe(Effect.ignore)
        assert.isTrue((yield* signal.awaitWake.pipe(Effect.timeoutOption("50 millis")))._tag === "None")
        yield* sql.withTransaction(outbox.append([event(7)]))
        assert.isTrue((yield* signal.awaitWake.pipe(Effect.timeoutOption("1 second")))._tag === "Some")
      }))
  })

outboxSuite("embedded PGlite", Database.layerEmbedded())
outboxSuite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))
