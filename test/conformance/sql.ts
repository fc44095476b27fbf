/**
 * What the system of record relies on from its database, run against every database layer (the
 * embedded PGlite and a real PostgreSQL): migrations (idempotent, safe when two run at once),
 * transactions, bound parameters, and exact round trips of the column types the services use.
 *
 * The layer is built once per suite, so tests share one database: each uses its own table names.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import type { Database } from "../../src/sql/Database.js"
import { migrate, migrateWith, migrationsTable } from "../../src/sql/Migrations.js"
import { migrations } from "../../src/sql/migrations/index.js"

const appliedIds = (table: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly migration_id: number }>`SELECT migration_id FROM ${sql(table)} ORDER BY migration_id`
    return rows.map((row) => row.migration_id)
  })

/** Two migrations that take long enough (0.3 s) for concurrent migrators to overlap, and count their runs. */
const racingMigrations = Migrator.fromRecord({
  "0001_race_table": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE race_runs (migration text NOT NULL)`
    yield* sql`INSERT INTO race_runs VALUES ('0001')`
  }),
  "0002_race_slow": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`SELECT pg_sleep(0.3)`
    yield* sql`INSERT INTO race_runs VALUES ('0002')`
  })
})

export const sqlSuite = (name: string, database: Layer.Layer<Database, unknown>) =>
  layer(database.pipe(Layer.orDie), { excludeTestServices: true, timeout: "60 seconds" })(`SQL on ${name}`, (it) => {
    describe("migrations", () => {
      it.effect("apply every migration once, then find nothing to do", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const all = (yield* migrations).map(([id]) => id)
          const first = yield* migrate
          assert.deepStrictEqual(first.map(([id]) => id), all)
          assert.deepStrictEqual(yield* migrate, [])
          assert.deepStrictEqual(yield* appliedIds(migrationsTable), all)
          const touch = yield* sql`SELECT 1 FROM pg_proc WHERE proname = 'touch_updated_at'`
          assert.strictEqual(touch.length, 1)
        }))

      it.effect("two migrators started at once both succeed, and each migration runs once", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const [a, b] = yield* Effect.all(
            [migrateWith(racingMigrations, { table: "race_migrations" }), migrateWith(racingMigrations, { table: "race_migrations" })],
            { concurrency: 2 }
          )
          // One of them applied both; the other waited on the lock and found nothing left.
          assert.deepStrictEqual([a.length, b.length].sort(), [0, 2])
          const runs = yield* sql<{ readonly migration: string }>`SELECT migration FROM race_runs ORDER BY migration`
          assert.deepStrictEqual(runs.map((row) => row.migration), ["0001", "0002"])
          assert.deepStrictEqual(yield* appliedIds("race_migrations"), [1, 2])
        }))
    })

    it.effect("a transaction rolls back when its effect fails", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE tx_items (name text NOT NULL)`
        const failed = yield* sql.withTransaction(
          sql`INSERT INTO tx_items VALUES ('kept?')`.pipe(Effect.andThen(Effect.fail("boom" as const)))
        ).pipe(Effect.flip)
        assert.strictEqual(failed, "boom")
        yield* sql.withTransaction(sql`INSERT INTO tx_items VALUES ('committed')`)
        const rows = yield* sql<{ readonly name: string }>`SELECT name FROM tx_items`
        assert.deepStrictEqual(rows.map((row) => row.name), ["committed"])
      }))

    it.effect("parameters are bound: an SQL-looking string is stored verbatim", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE bound_texts (body text NOT NULL)`
        const hostile = `'); DROP TABLE bound_texts; -- $1 \\ " ' ${"\u00e9\u6f22"}`
        yield* sql`INSERT INTO bound_texts ${sql.insert({ body: hostile })}`
        yield* sql`INSERT INTO bound_texts (body) VALUES (${hostile})`
        const rows = yield* sql<{ readonly body: string }>`SELECT body FROM bound_texts WHERE body = ${hostile}`
        assert.deepStrictEqual(rows.map((row) => row.body), [hostile, hostile])
      }))

    it.effect("int8 round trips exactly, to the largest and smallest 64-bit values", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE big_ids (id int8 PRIMARY KEY)`
        const values = [9223372036854775807n, -9223372036854775808n, 9007199254740993n, 0n]
        for (const id of values) yield* sql`INSERT INTO big_ids ${sql.insert({ id })}`
        const rows = yield* sql<{ readonly id: bigint }>`SELECT id FROM big_ids ORDER BY id`
        assert.deepStrictEqual(rows.map((row) => row.id), [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
        const found = yield* sql<{ readonly id: bigint }>`SELECT id FROM big_ids WHERE id = ${9223372036854775807n}`
        assert.deepStrictEqual(found.map((row) => row.id), [9223372036854775807n])
      }))

    it.effect("timestamptz round trips to the millisecond, whatever the session time zone", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE stamps (at timestamptz NOT NULL)`
        const at = new Date("2026-03-29T01:59:59.123Z")
        yield* sql`INSERT INTO stamps ${sql.insert({ at })}`
        const rows = yield* sql<{ readonly at: Date }>`SELECT at FROM stamps`
        assert.strictEqual(rows[0]?.at.toISOString(), at.toISOString())
        const epoch = yield* sql<{ readonly ms: string }>`SELECT (extract(epoch FROM at) * 1000)::int8::text AS ms FROM stamps`
        assert.strictEqual(epoch[0]?.ms, String(at.getTime()))
      }))

    it.effect("jsonb round trips, and its fields can be queried", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE docs (body jsonb NOT NULL)`
        const body = { kind: "digits", labels: ["a", "\u00e9"], nested: { n: 1.5, ok: true, none: null }, sql: "'; --" }
        yield* sql`INSERT INTO docs (body) VALUES (${JSON.stringify(body)}::jsonb)`
        const rows = yield* sql<{ readonly body: unknown; readonly kind: string }>`SELECT body, body->>'kind' AS kind FROM docs`
        assert.deepStrictEqual(rows[0]?.body, body)
        assert.strictEqual(rows[0]?.kind, "digits")
      }))
  })
