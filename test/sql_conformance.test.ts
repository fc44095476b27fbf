import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as Database from "../src/sql/Database.js"
import { migrate } from "../src/sql/Migrations.js"
import { sqlSuite } from "./conformance/sql.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"

sqlSuite("embedded PGlite", Database.layerEmbedded())

sqlSuite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))

const serverVersion = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly version: string }>`SELECT version() AS version`
  return rows[0]?.version ?? ""
})

describe("embedded database in a data directory", () => {
  it.live("keeps its rows and its migrations across a restart of the layer", () =>
    Effect.gen(function*() {
      const dataDir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "jobs-pglite-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const embedded = Database.layerEmbedded({ dataDir })
      const firstApplied = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const applied = yield* migrate
        yield* sql`CREATE TABLE kept (id int8 PRIMARY KEY, note text NOT NULL)`
        yield* sql`INSERT INTO kept VALUES (${9223372036854775807n}, ${"written before the restart"})`
        return applied
      }).pipe(Effect.provide(embedded))
      assert.isAbove(firstApplied.length, 0)
      const [again, rows] = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return [yield* migrate, yield* sql<{ readonly id: bigint; readonly note: string }>`SELECT id, note FROM kept`] as const
      }).pipe(Effect.provide(embedded))
      assert.deepStrictEqual(again, [])
      assert.deepStrictEqual(rows, [{ id: 9223372036854775807n, note: "written before the restart" }])
    }).pipe(Effect.scoped), 60_000)
})

layer(PostgresServer.layer(), { excludeTestServices: true, timeout: "60 seconds" })("Database.layerConfig", (pg) => {
  pg.effect("DATABASE_URL set: connects to that PostgreSQL", () =>
    Effect.gen(function*() {
      const server = yield* PostgresServer
      const version = yield* serverVersion.pipe(
        Effect.provide(Database.layerConfig),
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: server.url })))
      )
      assert.notInclude(version, "PGlite")
      assert.include(version, "PostgreSQL")
    }))

  pg.effect("DATABASE_URL unset: the embedded database", () =>
    Effect.gen(function*() {
      const version = yield* serverVersion.pipe(
        Effect.provide(Database.layerConfig),
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
      )
      assert.include(version, "PGlite")
    }))

  pg.effect("an unreachable DATABASE_URL fails without printing its password", () =>
    Effect.gen(function*() {
      const server = yield* PostgresServer
      const url = `postgres://postgres:s3cret-pw@127.0.0.1:${server.port + 1}/postgres`
      const error = yield* serverVersion.pipe(
        Effect.provide(Database.layerConfig),
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ DATABASE_URL: url }))),
        Effect.flip
      )
      assert.notInclude(`${String(error)} ${JSON.stringify(error)}`, "s3cret-pw")
    }))
})
