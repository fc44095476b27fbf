/**
 * Telemetry storage throughput (issue 19's target: 10k jobs/s = 40k events/s on this machine):
 * 1. events/s into PostgreSQL through TelemetryStore.insert (schema decode + one jsonb_to_recordset
 *    statement per batch), on the embedded PGlite and on a real PostgreSQL the bench starts;
 * 2. the projector's lag under load: a producer XADDs envelopes to {domain}:telemetry:log at a fixed
 *    rate (pipelined, as many workers' emitters would), one or two projectors move them into the real
 *    PostgreSQL; we sample the lag and time the drain. Starts its own redis-server and PostgreSQL.
 * Run: npm run bench:telemetry
 */
import { rmSync } from "node:fs"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { RedisClient } from "../src/redis/RedisClient.js"
import * as Database from "../src/sql/Database.js"
import { migrate } from "../src/sql/Migrations.js"
import { telemetryLogKey } from "../src/telemetry/TelemetryEmitter.js"
import * as TelemetryProjector from "../src/telemetry/TelemetryProjector.js"
import { defaultStoreSettings, layerWith, TelemetryStore } from "../src/telemetry/TelemetryStore.js"
import { removePostgresServer, startPostgresServer } from "../test/support/PostgresServer.js"
import { startRedisServer } from "../test/support/RedisServer.js"
import { makeEvent, recordOf } from "../test/support/TelemetryEvents.js"

const kinds = ["started", "completed", "started", "failed"] as const
const records = (n: number) =>
  Array.from({ length: n }, (_, i) => recordOf(makeEvent({ kind: kinds[i % 4] ?? "started", at: Date.now(), job: `job-${i >> 1}`, latency: i % 500, rows: 100 })))

const rows: Array<ReadonlyArray<string>> = []

const storeOn = (database: Layer.Layer<Database.Database, unknown>) =>
  layerWith(defaultStoreSettings).pipe(Layer.provideMerge(Layer.effectDiscard(migrate).pipe(Layer.provideMerge(database))), Layer.orDie)

/** Sequential batches of `batch` events: the rate one projector (one connection) reaches. */
const insertRate = (label: string, total: number, batch: number) =>
  Effect.gen(function*() {
    const store = yield* TelemetryStore
    const events = records(total)
    const started = performance.now()
    for (let i = 0; i < events.length; i += batch) yield* store.insert(`bench_${batch}`, events.slice(i, i + batch))
    const seconds = (performance.now() - started) / 1000
    rows.push([label, `insert, batch ${batch}`, String(total), `${Math.round(total / seconds)} events/s`])
  })

const storeBench = (label: string, database: Layer.Layer<Database.Database, unknown>, total: number) =>
  Effect.gen(function*() {
    yield* insertRate(label, total, 500)
    yield* insertRate(label, total, 2000)
    yield* insertRate(label, total, 5000)
  }).pipe(Effect.provide(storeOn(database)))

/** XADDs `rate` events/s for `seconds`, pipelined in chunks every 10 ms. */
const produce = (domain: string, rate: number, seconds: number) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const perTick = Math.round(rate / 100)
    const texts = records(perTick * 100 * seconds).map((record) => JSON.stringify(record))
    const start = Date.now()
    for (let tick = 0; tick < seconds * 100; tick++) {
      const chunk = texts.slice(tick * perTick, (tick + 1) * perTick)
      yield* redis.pipeline(chunk.map((text) => ["XADD", telemetryLogKey(domain), "MAXLEN", "~", "2000000", "*", "event", text] as const))
      const due = start + (tick + 1) * 10
      if (Date.now() < due) yield* Effect.sleep(due - Date.now())
    }
    return { sent: texts.length, produceSeconds: (Date.now() - start) / 1000 }
  })

const lagBench = (pgUrl: string, redisUrl: string, rate: number, seconds: number, projectors: number) =>
  Effect.gen(function*() {
    const domain = `lag${projectors}_${rate}`
    const handles = yield* Effect.forEach(Array.from({ length: projectors }, (_, i) => i), (i) =>
      TelemetryProjector.run({ domain, consumer: `bench-${i}`, batch: 2000, blockMs: 50 }))
    const stored = () => handles.reduce((sum, handle) => sum + handle.stats.acked, 0)
    let maxLag = 0
    const sampler = yield* Effect.forkScoped(Effect.forever(Effect.sleep("100 millis").pipe(Effect.andThen(Effect.sync(() => {
      for (const handle of handles) maxLag = Math.max(maxLag, handle.stats.lastLagMs)
    })))))
    const start = Date.now()
    const { sent, produceSeconds } = yield* produce(domain, rate, seconds)
    while (stored() < sent && Date.now() - start < 120_000) yield* Effect.sleep("20 millis")
    const total = (Date.now() - start) / 1000
    void sampler
    const sql = yield* SqlClient.SqlClient
    const count = (yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM telemetry_events WHERE domain = ${domain}`)[0]?.n ?? 0
    rows.push([`PostgreSQL + redis-server`, `projector x${projectors}, offered ${rate}/s for ${seconds}s`, String(count),
      `produced in ${produceSeconds.toFixed(1)}s, drained in ${total.toFixed(1)}s (${Math.round(count / total)} events/s), max lag ${maxLag} ms`])
  }).pipe(
    Effect.scoped,
    Effect.provide(layerWith(defaultStoreSettings)),
    Effect.provide(Layer.mergeAll(Database.layerPg(Redacted.make(pgUrl)), RedisClient.layerIORedis(Redacted.make(redisUrl))).pipe(Layer.orDie))
  )

const main = Effect.gen(function*() {
  const pg = yield* Effect.acquireRelease(Effect.promise(() => startPostgresServer()), (server) => Effect.promise(() => removePostgresServer(server)))
  const redis = yield* Effect.acquireRelease(Effect.promise(() => startRedisServer()), (server) =>
    Effect.promise(async () => {
      await server.stop(true)
      rmSync(server.dir, { recursive: true, force: true })
    }))
  yield* storeBench("embedded PGlite", Database.layerEmbedded(), 40_000)
  yield* storeBench("PostgreSQL 15 (local, fsync off)", Database.layerPg(Redacted.make(pg.url)), 100_000)
  yield* lagBench(pg.url, redis.url, 20_000, 5, 1)
  yield* lagBench(pg.url, redis.url, 40_000, 5, 1)
  yield* lagBench(pg.url, redis.url, 40_000, 5, 2)
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((row) => (row[c] ?? "").length), 8))
  const line = (row: ReadonlyArray<string>) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ")
  console.log(line(["database", "what", "events", "result"]))
  for (const row of rows) console.log(line(row))
}).pipe(Effect.scoped)

Effect.runPromise(main).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
