/**
 * Moves a domain's telemetry from its durable log `{domain}:telemetry:log` (TelemetryEmitter.layerRedisLog)
 * into the PostgreSQL event store, through a Redis consumer group. Delivery is at least once and the
 * store is idempotent by event_id, so the result is exactly once in the table:
 *
 * - the group is created with the stream from the start of the log (`XGROUP CREATE ... 0 MKSTREAM`);
 * - a batch read with XREADGROUP is inserted in one statement (TelemetryStore.insertEncoded), and
 *   acknowledged with XACK only after that statement committed: a projector dying between the two
 *   leaves the entries pending, and re-inserting them later stores nothing twice;
 * - entries pending longer than `claimIdleMs` (a projector that died, SIGKILL or lost host) are taken
 *   over with XAUTOCLAIM by any projector of the group; a restarted one first re-reads its own pending;
 * - entries that are not valid telemetry are counted by the store, never stored, and acknowledged;
 * - the loop is supervised (src/runtime/Supervised.ts): Redis or PostgreSQL down fails a round, which
 *   restarts after a backoff with nothing lost.
 *
 * Lag, the age of the newest entry of the last batch when it committed (from its stream id's
 * milliseconds), is exported as `telemetry_projector_lag_ms{domain}`.
 */
import { hostname } from "node:os"
import { Effect, Metric, type Scope } from "effect"
import { RedisClient, type RedisConnection } from "../redis/RedisClient.js"
import { type RedisReply, replyArray, replyRecord, replyString } from "../redis/RedisReply.js"
import { type FailingLoop, makeSupervisor } from "../runtime/Supervised.js"
import { telemetryLogKey } from "./TelemetryEmitter.js"
import { TelemetryStore } from "./TelemetryStore.js"

export const projectedEvents = Metric.counter("telemetry_projected_total", {
  description: "Telemetry events the projector stored (duplicates of stored ones not counted)"
})
export const projectorLag = Metric.gauge("telemetry_projector_lag_ms", {
  description: "Age of the newest telemetry log entry of the projector's last committed batch"
})

export interface ProjectorOptions {
  readonly domain: string
  /** The consumer group; every projector of a domain shares it (default "telemetry-projector"). */
  readonly group?: string
  /** This process in the group (default `{hostname}-{pid}`). */
  readonly consumer?: string
  /** Entries per batch (default 500). */
  readonly batch?: number
  /** How long a read blocks for new entries (default 1000 ms). */
  readonly blockMs?: number
  /** A pending entry idle this long is taken over (default 30 s). */
  readonly claimIdleMs?: number
  /** Runs between the insert's commit and the XACK: the window the crash tests aim at. */
  readonly afterInsert?: (entryIds: ReadonlyArray<string>) => Effect.Effect<void>
}

export interface ProjectorStats {
  inserted: number
  duplicates: number
  invalid: number
  acked: number
  lastLagMs: number
}

export interface ProjectorHandle {
  readonly stats: ProjectorStats
  readonly failing: () => ReadonlyArray<FailingLoop>
}

interface Entry {
  readonly id: string
  readonly event: string | undefined
}

const entriesOf = (reply: RedisReply): ReadonlyArray<Entry> =>
  (replyArray(reply) ?? []).flatMap((entry) => {
    const [id, fields] = replyArray(entry) ?? []
    const idText = replyString(id ?? null)
    return idText === undefined ? [] : [{ id: idText, event: replyRecord(fields ?? null)?.["event"] }]
  })

/** XREADGROUP's reply: [[stream, entries]], or nil when the block timed out. */
const readEntries = (reply: RedisReply): ReadonlyArray<Entry> =>
  (replyArray(reply) ?? []).flatMap((stream) => entriesOf((replyArray(stream) ?? [])[1] ?? null))

const idMillis = (id: string) => Number(id.split("-")[0])

/** Starts a supervised projector in the current scope. */
export const run = (options: ProjectorOptions): Effect.Effect<ProjectorHandle, never, RedisClient | TelemetryStore | Scope.Scope> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const store = yield* TelemetryStore
    const { domain } = options
    const key = telemetryLogKey(domain)
    const group = options.group ?? "telemetry-projector"
    const consumer = options.consumer ?? `${hostname()}-${process.pid}`
    const count = String(options.batch ?? 500)
    const blockMs = String(options.blockMs ?? 1_000)
    const claimIdleMs = options.claimIdleMs ?? 30_000
    const stats: ProjectorStats = { inserted: 0, duplicates: 0, invalid: 0, acked: 0, lastLagMs: 0 }
    const projected = Metric.withAttributes(projectedEvents, { domain })
    const lag = Metric.withAttributes(projectorLag, { domain })

    const createGroup = redis.send("XGROUP", "CREATE", key, group, "0", "MKSTREAM").pipe(
      Effect.catchIf((error) => error.message.includes("BUSYGROUP"), () => Effect.void)
    )

    const project = (entries: ReadonlyArray<Entry>) =>
      Effect.gen(function*() {
        if (entries.length === 0) return
        const texts = entries.flatMap((entry) => entry.event === undefined ? [] : [entry.event])
        const result = yield* store.insertEncoded(domain, texts)
        const ids = entries.map((entry) => entry.id)
        if (options.afterInsert !== undefined) yield* options.afterInsert(ids)
        yield* redis.send("XACK", key, group, ...ids)
        stats.inserted += result.inserted
        stats.duplicates += result.duplicates
        stats.invalid += result.invalid + entries.length - texts.length
        stats.acked += ids.length
        stats.lastLagMs = Math.max(0, Date.now() - idMillis(ids[ids.length - 1] ?? "0"))
        yield* Metric.update(projected, result.inserted)
        yield* Metric.update(lag, stats.lastLagMs)
      })

    /** Entries idle in the group's pending list, taken over by this consumer, until none is left. */
    const claimIdle = Effect.gen(function*() {
      let cursor = "0-0"
      do {
        const reply = replyArray(yield* redis.send("XAUTOCLAIM", key, group, consumer, String(claimIdleMs), cursor, "COUNT", count)) ?? []
        yield* project(entriesOf(reply[1] ?? null))
        cursor = replyString(reply[0] ?? null) ?? "0-0"
      } while (cursor !== "0-0")
    })

    /** What this consumer name read and did not acknowledge before (a restart in place). */
    const ownPending = (connection: RedisConnection) =>
      Effect.gen(function*() {
        while (true) {
          const entries = readEntries(yield* connection.send("XREADGROUP", "GROUP", group, consumer, "COUNT", count, "STREAMS", key, "0"))
          if (entries.length === 0) return
          yield* project(entries)
        }
      })

    const loop = Effect.gen(function*() {
      const connection = yield* redis.reserve
      yield* createGroup
      yield* ownPending(connection)
      let lastClaim = 0
      while (true) {
        if (Date.now() - lastClaim >= claimIdleMs / 2) {
          lastClaim = Date.now()
          yield* claimIdle
        }
        yield* project(readEntries(yield* connection.send("XREADGROUP", "GROUP", group, consumer, "COUNT", count, "BLOCK", blockMs, "STREAMS", key, ">")))
      }
    }).pipe(Effect.scoped, Effect.annotateLogs({ module: "TelemetryProjector", domain, group, consumer }))

    const supervisor = yield* makeSupervisor({ domain })
    yield* supervisor.run("telemetry-projector", loop, { disableYield: true })
    return { stats, failing: supervisor.failing }
  })
