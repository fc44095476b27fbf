/**
 * Applies the schema at start. Idempotent (the Migrator records applied ids in `schema_migrations`
 * and skips them) and safe when two processes start at once.
 *
 * Concurrency: the whole run, including the Migrator creating its table, happens inside one
 * transaction that first takes `pg_advisory_xact_lock`. A second process waits on the lock, then
 * finds every migration recorded and applies none. The transaction-scoped lock is used rather than
 * `pg_advisory_lock`/`pg_advisory_unlock` because a session lock must be released on the connection
 * that took it (a pool may hand out another), and reserving a second connection for it would
 * deadlock the embedded database's one-connection pool. It is released by COMMIT or ROLLBACK, and
 * by PostgreSQL if the process dies, so a crashed migrator never leaves it held.
 */
import { Effect, Layer } from "effect"
import { Migrator, SqlClient, type SqlError } from "effect/sql"
import { migrations } from "./migrations/index.js"

/** The Migrator's bookkeeping table: one row per applied migration (id, name, created_at). */
export const migrationsTable = "schema_migrations"

/** The advisory lock's key, derived from a readable name so it is easy to spot in `pg_locks`. */
const lockName = "effect-jobs.migrations"

const runMigrator = Migrator.make({})

/**
 * Applies the pending migrations of `loader`; returns the `[id, name]` pairs this call applied.
 * `table` exists for tests that run their own migrations beside the application's.
 */
export const migrateWith = (
  loader: Migrator.Loader,
  options: { readonly table?: string } = {}
): Effect.Effect<ReadonlyArray<readonly [id: number, name: string]>, Migrator.MigrationError | SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const applied = yield* sql.withTransaction(
      sql`SELECT pg_advisory_xact_lock(hashtext(${lockName}))`.pipe(
        Effect.andThen(runMigrator({ loader, table: options.table ?? migrationsTable }))
      )
    )
    if (applied.length > 0) {
      yield* Effect.logInfo("database migrated").pipe(
        Effect.annotateLogs({ applied: applied.map(([id, name]) => `${id}_${name}`).join(",") })
      )
    }
    return applied
  }).pipe(Effect.annotateLogs({ module: "Migrations" }))

/** The application's migrations (./migrations/index.ts). */
export const migrate = migrateWith(migrations)

/** Migrates when built: put it before anything that reads or writes the tables. */
export const layer: Layer.Layer<never, Migrator.MigrationError | SqlError.SqlError, SqlClient.SqlClient> = Layer.effectDiscard(migrate)
