/**
 * TelemetryProjector on a real redis-server, into the embedded PGlite and into a real PostgreSQL.
 */
import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { RedisClient } from "../src/redis/RedisClient.js"
import { replyArray, replyNumber } from "../src/redis/RedisReply.js"
import * as Database from "../src/sql/Database.js"
import { migrate } from "../src/sql/Migrations.js"
import { layerRedisLog, TelemetryEmitter, telemetryLogKey } from "../src/telemetry/TelemetryEmitter.js"
import * as TelemetryProjector from "../src/telemetry/TelemetryProjector.js"
import { defaultStoreSettings, layerWith } from "../src/telemetry/TelemetryStore.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"
import { makeEvent } from "./support/TelemetryEvents.js"

const countOf = (domain: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly n: number; readonly distinct_ids: number }>`SELECT count(*)::int AS n,
      count(DISTINCT event_id)::int AS distinct_ids FROM telemetry_events WHERE domain = ${domain}`
    return rows[0] ?? { n: -1, distinct_ids: -1 }
  })

const pendingOf = (domain: string) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const reply = replyArray(yield* redis.send("XPENDING", telemetryLogKey(domain), "telemetry-projector")) ?? []
    return replyNumber(reply[0] ?? null) ?? -1
  })

const waitFor = <E, R>(check: Effect.Effect<boolean, E, R>, timeoutMs: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      // The group appears with the projector's first round: until then XPENDING answers NOGROUP.
      if (yield* Effect.orElseSucceed(check, () => false)) return true
      yield* Effect.sleep("50 millis")
    }
    return yield* check
  })

const emitMany = (domain: string, n: number) =>
  Effect.gen(function*() {
    const emitter = yield* TelemetryEmitter
    for (let i = 0; i < n; i++) yield* emitter.emit(domain, makeEvent({ kind: i % 2 === 0 ? "started" : "completed", at: Date.now(), latency: i }))
  })

const projectorSuite = (name: string, database: Layer.Layer<Database.Database, unknown>) => {
  const redis = redisClientOnServer.pipe(Layer.provide(RedisServer.layer()))
  const sql = Layer.effectDiscard(migrate).pipe(Layer.provideMerge(database))
  const all = Layer.mergeAll(layerWith(defaultStoreSettings), layerRedisLog({ maxLen: 100_000 })).pipe(
    Layer.provideMerge(Layer.merge(sql, redis))
  )
  layer(all.pipe(Layer.orDie), { excludeTestServices: true, timeout: "90 seconds" })(`TelemetryProjector into ${name}`, (it) => {
    it.effect("moves the log into the store, skips invalid entries, and stores a re-sent event once", () =>
      Effect.gen(function*() {
        const client = yield* RedisClient
        yield* emitMany("moves", 250)
        const resent = makeEvent({ kind: "failed", at: Date.now(), latency: 1 })
        const text = JSON.stringify(resent)
        yield* client.send("XADD", telemetryLogKey("moves"), "*", "event", text)
        yield* client.send("XADD", telemetryLogKey("moves"), "*", "event", text)
        yield* client.send("XADD", telemetryLogKey("moves"), "*", "event", "{\"event_type\":\"job.started\"}")
        yield* client.send("XADD", telemetryLogKey("moves"), "*", "other", "no event field")
        const handle = yield* TelemetryProjector.run({ domain: "moves", consumer: "p1", batch: 100, blockMs: 100 })
        assert.isTrue(yield* waitFor(Effect.map(pendingOf("moves"), (n) => n === 0 && handle.stats.acked === 254), 20_000))
        assert.deepStrictEqual(yield* countOf("moves"), { n: 251, distinct_ids: 251 })
        assert.strictEqual(handle.stats.invalid, 2)
        assert.strictEqual(handle.stats.duplicates, 1)
      }).pipe(Effect.scoped))

    it.effect("a projector killed between insert and XACK loses and doubles nothing once another claims its entries", () =>
      Effect.gen(function*() {
        yield* emitMany("crash", 300)
        const inserted = yield* Deferred.make<ReadonlyArray<string>>()
        const scope = yield* Scope.make()
        // The first projector stalls forever after its first batch committed, before acknowledging it...
        yield* TelemetryProjector.run({
          domain: "crash", consumer: "doomed", batch: 120, blockMs: 100, claimIdleMs: 60_000,
          afterInsert: (ids) => Deferred.succeed(inserted, ids).pipe(Effect.andThen(Effect.never))
        }).pipe(Scope.provide(scope))
        const held = yield* Deferred.await(inserted)
        assert.strictEqual(held.length, 120)
        // ...and dies there (its fibers interrupted, as a SIGKILL would stop it).
        yield* Scope.close(scope, Exit.void)
        assert.strictEqual(yield* pendingOf("crash"), 120)
        assert.deepStrictEqual(yield* countOf("crash"), { n: 120, distinct_ids: 120 })
        const survivor = yield* TelemetryProjector.run({ domain: "crash", consumer: "survivor", batch: 120, blockMs: 100, claimIdleMs: 500 })
        assert.isTrue(yield* waitFor(Effect.map(pendingOf("crash"), (n) => n === 0 && survivor.stats.acked === 300), 20_000))
        assert.deepStrictEqual(yield* countOf("crash"), { n: 300, distinct_ids: 300 })
        // The survivor re-inserted the dead one's 120 (all duplicates) and stored the other 180.
        assert.deepStrictEqual([survivor.stats.inserted, survivor.stats.duplicates], [180, 120])
      }).pipe(Effect.scoped))
  })
}

projectorSuite("embedded PGlite", Database.layerEmbedded())

projectorSuite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))
