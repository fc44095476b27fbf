/**
 * Moves committed outbox rows to Redis, one supervised fiber per process.
 *
 * A round, in ONE SQL transaction: take up to `batch` unpublished rows in `id` order (`FOR UPDATE SKIP
 * LOCKED`), XADD each to `{channel}:log` (capped with `MAXLEN ~`, like the runtime's event logs) and
 * PUBLISH it on its channel, in one pipeline, then set `published_at` and commit. Redis is written
 * before the rows are marked, so a crash anywhere in between leaves them unpublished and the next
 * publisher sends them again: at least once, consumers de-duplicate by `event_id`.
 *
 * Order: the round first takes a transaction-scoped advisory lock, so while several processes run a
 * publisher only one publishes at a time and the log keeps `id` order (SKIP LOCKED alone would let a
 * second publisher send rows 11..20 before the first sent 1..10). `id` order is the order in which
 * rows were inserted; two transactions committing in the other order than they inserted may appear
 * in the log in insert order, one batch apart at most.
 *
 * Redis down: ioredis queues commands until it reconnects, which would hold the transaction (and the
 * embedded database's one connection) open, so the Redis step has a deadline; the round fails, the
 * transaction rolls back, the supervisor logs the cause and retries with backoff. A command ioredis
 * still sends after the deadline is a duplicate, not a loss. PostgreSQL down fails the round the same way.
 */
import { Config, Context, Duration, Effect, Layer, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { RedisClient } from "../../redis/RedisClient.js"
import { RedisError } from "../../redis/RedisError.js"
import { type FailingLoop, makeSupervisor } from "../../runtime/Supervised.js"
import type { BusChannel } from "./Outbox.js"
import { OutboxSignal } from "./OutboxLive.js"

/** The durable log of a bus channel: `jobs:bus` -> `jobs:bus:log`. */
export const busLogKey = (channel: BusChannel | string): string => `${channel}:log`

export interface OutboxPublisherSettings {
  /** Rows per round (one transaction, one Redis pipeline). */
  readonly batch: number
  /** Approximate length kept in each bus log (`XADD ... MAXLEN ~`). */
  readonly logMaxLen: number
  /** How long the publisher sleeps when it found nothing and nobody woke it (other processes' commits). */
  readonly idleMs: number
  /** Deadline of a round's Redis pipeline. */
  readonly redisTimeoutMs: number
}

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))
const positiveInt = (name: string, fallback: number) => Config.schema(PositiveInt, name).pipe(Config.withDefault(fallback))

export const outboxPublisherConfig: Config.Config<OutboxPublisherSettings> = Config.all({
  batch: positiveInt("JOBS_OUTBOX_BATCH", 100),
  logMaxLen: positiveInt("JOBS_BUS_LOG_MAXLEN", 10_000),
  idleMs: positiveInt("JOBS_OUTBOX_IDLE_MS", 1_000),
  redisTimeoutMs: positiveInt("JOBS_OUTBOX_REDIS_TIMEOUT_MS", 5_000)
})

export interface OutboxRow {
  readonly id: string
  readonly event_id: string
  readonly channel: string
  readonly type: string
  readonly body: string
}

/**
 * Test hooks around the Redis step of a round (unset in production): `beforeSend` runs after the rows
 * were taken and before XADD, `afterSend` after XADD/PUBLISH and before the rows are marked. A crash
 * test makes one of them stall and then kills the process or interrupts the fiber.
 */
export const OutboxPublisherHooks = Context.Reference<{
  readonly beforeSend?: (rows: ReadonlyArray<OutboxRow>) => Effect.Effect<void>
  readonly afterSend?: (rows: ReadonlyArray<OutboxRow>) => Effect.Effect<void>
}>("jobs/services/OutboxPublisherHooks", { defaultValue: () => ({}) })

const lockName = "effect-jobs.outbox-publisher"

export class OutboxPublisher extends Context.Service<OutboxPublisher, {
  /** One round: publishes up to a batch of rows; returns how many. The loop runs it; tests may too. */
  readonly publishBatch: Effect.Effect<number, SqlError.SqlError | RedisError>
  /** The publisher loop when it keeps failing (Redis or PostgreSQL down), for readiness checks. */
  readonly failing: () => ReadonlyArray<FailingLoop>
}>()("jobs/services/OutboxPublisher") {}

export const makePublishBatch = (settings: OutboxPublisherSettings) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const redis = yield* RedisClient
    const hooks = yield* OutboxPublisherHooks
    const maxLen = String(settings.logMaxLen)

    const send = (rows: ReadonlyArray<OutboxRow>) =>
      redis.pipeline(rows.flatMap((row) => [
        ["XADD", busLogKey(row.channel), "MAXLEN", "~", maxLen, "*", "event", row.body, "event_id", row.event_id] as const,
        ["PUBLISH", row.channel, row.body] as const
      ])).pipe(
        Effect.timeoutOrElse({
          duration: Duration.millis(settings.redisTimeoutMs),
          orElse: () => Effect.fail(new RedisError({ op: "pipeline", message: `redis did not answer the outbox publish within ${settings.redisTimeoutMs} ms` }))
        })
      )

    const round = Effect.gen(function*() {
      const [lock] = yield* sql<{ readonly locked: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(${lockName})) AS locked`
      if (lock?.locked !== true) return 0
      const rows = yield* sql<OutboxRow>`
        SELECT id::text AS id, event_id::text AS event_id, channel, type, body FROM outbox
        WHERE published_at IS NULL ORDER BY outbox.id LIMIT ${settings.batch} FOR UPDATE SKIP LOCKED`
      if (rows.length === 0) return 0
      if (hooks.beforeSend !== undefined) yield* hooks.beforeSend(rows)
      yield* send(rows)
      if (hooks.afterSend !== undefined) yield* hooks.afterSend(rows)
      // `id` is read as text (bigint beyond 2^53 stays exact), so the ORDER BY above names the column, not the alias.
      yield* sql`UPDATE outbox SET published_at = now() WHERE id IN ${sql.in(rows.map((row) => row.id))}`
      return rows.length
    })

    return sql.withTransaction(round)
  })

/** Publishes until the scope closes: at once after a wake or a full batch, else after `idleMs`. */
export const make = (settings: OutboxPublisherSettings) =>
  Effect.gen(function*() {
    const signal = yield* OutboxSignal
    const publishBatch = yield* makePublishBatch(settings)
    const supervisor = yield* makeSupervisor({})
    const idle = Effect.raceFirst(signal.awaitWake, Effect.sleep(Duration.millis(settings.idleMs)))
    const loopRound = publishBatch.pipe(
      Effect.flatMap((published) => published > 0 ? Effect.void : idle),
      Effect.annotateLogs({ module: "OutboxPublisher" })
    )
    yield* supervisor.run("outbox-publisher", loopRound)
    return OutboxPublisher.of({ publishBatch, failing: supervisor.failing })
  })

export const layerWith = (settings: OutboxPublisherSettings): Layer.Layer<OutboxPublisher, never, SqlClient.SqlClient | RedisClient | OutboxSignal> =>
  Layer.effect(OutboxPublisher, make(settings))

/** Settings from `JOBS_OUTBOX_BATCH`, `JOBS_BUS_LOG_MAXLEN`, `JOBS_OUTBOX_IDLE_MS`, `JOBS_OUTBOX_REDIS_TIMEOUT_MS`. */
export const layer: Layer.Layer<OutboxPublisher, Config.ConfigError, SqlClient.SqlClient | RedisClient | OutboxSignal> = Layer.unwrap(
  Effect.gen(function*() {
    return layerWith(yield* outboxPublisherConfig)
  })
)
