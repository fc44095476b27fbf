/**
 * The SQL client of the system of record. PostgreSQL when `DATABASE_URL` is set; otherwise an
 * embedded PostgreSQL (PGlite, in memory or in `JOBS_DATA_DIR`), so `npm start` needs no server.
 *
 * Both are reached through `@effect/sql-pg`: the embedded database is served on a loopback port by
 * `PGLiteSocketServer` and the same `PgClient` connects to it, so repositories see one client and one
 * SQL dialect. (`@effect/sql-pglite` does not load with effect 4.1, see /work/shared/effect4-notes.md.)
 * PGlite 0.5.15 is PostgreSQL 18 while Debian 12's server is 15: write SQL that PostgreSQL 15 runs
 * (no uuidv7(), JSON_TABLE, ...); the SQL suite runs on both to catch it.
 */
import { PgClient } from "@effect/sql-pg"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Config, Effect, Layer, Option, Redacted, Schema } from "effect"
import type { SqlClient, SqlError } from "effect/sql"

/** What every database layer provides: the generic client, and the pg one for pg-only features. */
export type Database = SqlClient.SqlClient | PgClient.PgClient

export class EmbeddedDatabaseError extends Schema.TaggedError<EmbeddedDatabaseError>()("EmbeddedDatabaseError", {
  op: Schema.Literals(["open", "listen"]),
  dataDir: Schema.optionalKey(Schema.String),
  message: Schema.String,
  cause: Schema.Defect()
}) {}

/** A PostgreSQL server. The URL stays redacted: only the pg client reads it. */
export const layerPg = (url: Redacted.Redacted<string>): Layer.Layer<Database, SqlError.SqlError> =>
  PgClient.layer({ url, applicationName: "effect-jobs" })

export interface EmbeddedOptions {
  /** A directory that keeps the data between runs; in memory when absent. */
  readonly dataDir?: string | undefined
}

/** Parses the port out of `getServerConn()` ("127.0.0.1:PORT"): the field holding it is private. */
const listeningPort = (server: PGLiteSocketServer): number => Number(server.getServerConn().split(":").pop())

/**
 * PGlite behind a socket server on a free loopback port (port 0: the OS picks, no race with another
 * process). The database, the server and the pool are closed with the layer, pool first.
 *
 * The pool holds ONE connection: PGlite is a single backend session, and the socket server accepts
 * one connection by default. Two pooled connections would share that session, so one's BEGIN would
 * swallow the other's statements; with one connection, concurrent transactions wait their turn.
 */
export const layerEmbedded = (options: EmbeddedOptions = {}): Layer.Layer<Database, SqlError.SqlError | EmbeddedDatabaseError> =>
  Layer.unwrap(Effect.gen(function*() {
    const dataDir = options.dataDir
    const at = dataDir === undefined ? {} : { dataDir }
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => PGlite.create(at),
        catch: (cause) =>
          new EmbeddedDatabaseError({ op: "open", ...at, message: `could not open the embedded database${dataDir === undefined ? "" : ` in ${dataDir}`}`, cause })
      }),
      (opened) => Effect.promise(() => opened.close()).pipe(Effect.ignore)
    )
    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const serving = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 })
          await serving.start()
          return serving
        },
        catch: (cause) =>
          new EmbeddedDatabaseError({ op: "listen", ...at, message: "could not serve the embedded database on a loopback port", cause })
      }),
      (serving) => Effect.promise(() => serving.stop()).pipe(Effect.ignore)
    )
    return PgClient.layer({
      host: "127.0.0.1",
      port: listeningPort(server),
      database: "postgres",
      username: "postgres",
      maxConnections: 1,
      minConnections: 1,
      applicationName: "effect-jobs"
    })
  }))

/** `DATABASE_URL` (secret) when set, else the embedded database in `JOBS_DATA_DIR` or in memory. */
export const layerConfig: Layer.Layer<Database, SqlError.SqlError | EmbeddedDatabaseError | Config.ConfigError> = Layer.unwrap(
  Effect.gen(function*() {
    const url = yield* Config.Redacted("DATABASE_URL").pipe(Config.option)
    const dataDir = yield* Config.String("JOBS_DATA_DIR").pipe(Config.option)
    return Option.match(url, {
      onSome: layerPg,
      onNone: () => layerEmbedded({ dataDir: Option.getOrUndefined(dataDir) })
    })
  })
)
