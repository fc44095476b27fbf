/**
 * A publisher process for the outbox crash test: it connects to DATABASE_URL and REDIS_URL, publishes
 * one batch, and stalls after XADD/PUBLISH and before marking the rows published (printing `sent <n>`),
 * so the test can SIGKILL it at exactly that point. Run with `node --import tsx` (no wrapper process).
 */
import { Effect, Layer, Redacted } from "effect"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { makePublishBatch, OutboxPublisherHooks } from "../../src/services/outbox/OutboxPublisher.js"
import * as Database from "../../src/sql/Database.js"

const databaseUrl = process.env["DATABASE_URL"] ?? ""
const redisUrl = process.env["REDIS_URL"] ?? ""

const program = Effect.gen(function*() {
  const publishBatch = yield* makePublishBatch({ batch: 1_000, logMaxLen: 10_000, idleMs: 1_000, redisTimeoutMs: 5_000 })
  yield* publishBatch
}).pipe(
  Effect.provideService(OutboxPublisherHooks, {
    afterSend: (rows) => Effect.sync(() => process.stdout.write(`sent ${rows.length}\n`)).pipe(Effect.andThen(Effect.never))
  }),
  Effect.provide(Layer.mergeAll(Database.layerPg(Redacted.make(databaseUrl)), RedisClient.layerIORedis(Redacted.make(redisUrl))))
)

Effect.runPromise(program).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
