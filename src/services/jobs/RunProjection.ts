/**
 * The run projection (src/services/README.md "Run projection"): one supervised fiber per domain reads
 * the runtime's lifecycle events from `{domain}:events:log` and writes them into PostgreSQL as
 * `job_runs` rows and job status changes (./internal/projectRun.ts says what each event becomes),
 * with their bus events in the outbox.
 *
 * Delivery is at least once, applying is exactly once:
 * - the fiber reads through a Redis consumer group (`XGROUP CREATE ... 0 MKSTREAM`, so a new group
 *   starts from the oldest entry the capped log still keeps; `XREADGROUP`), and XACKs an entry only
 *   after its transaction committed. After a restart or a failed round it first reads its own pending
 *   entries again (`XREADGROUP ... 0`), then new ones (`>`);
 * - each entry is applied in ONE transaction that also records its stream position in
 *   `projection_offsets` (the row is locked first); an entry at or before the recorded position is
 *   skipped, so a redelivery or a replay of the whole log changes nothing.
 * Entries that are not lifecycle events (metrics) or do not decode only move the position.
 *
 * One process per Redis should run the projection: the position is a single high-water mark per
 * stream, so two processes sharing the group would each skip what the other applied later. The fixed
 * consumer name (`projection`) lets a restarted process take over its predecessor's pending entries.
 * On a Redis without consumer groups (the in-memory twin) it reads with plain `XREAD` from the
 * recorded position instead, which gives the same result in one process.
 */
import { Effect, Layer, Scope } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { decodeChannelMessage } from "../../contracts/ChannelMessage.js"
import type { JobDomain } from "../../contracts/JobDomain.js"
import { eventsLogKey } from "../../contracts/Keys.js"
import { RedisClient, type RedisConnection } from "../../redis/RedisClient.js"
import type { RedisError } from "../../redis/RedisError.js"
import { type RedisReply, replyArray, replyString } from "../../redis/RedisReply.js"
import { type FailingLoop, makeSupervisor } from "../../runtime/Supervised.js"
import { Outbox } from "../outbox/Outbox.js"
import { applyLifecycle } from "./internal/projectRun.js"
import { JobRepository } from "./JobRepository.js"

export const defaultGroup = "services-runs"
export const defaultConsumer = "projection"

export interface RunProjectionOptions {
  /** The domains whose event logs are projected (the CLI passes the registered domains). */
  readonly domains: ReadonlyArray<JobDomain>
  readonly group?: string
  readonly consumer?: string
  /** Entries read per round (default 100). */
  readonly batchSize?: number
  /** Longest wait for new entries in one read (default 1000 ms). */
  readonly blockMs?: number
}

export type RunProjectionServices = SqlClient.SqlClient | JobRepository | Outbox | RedisClient

/** Stream entry ids compared as Redis orders them (`<ms>-<seq>`, both parts numeric). */
export const compareEntryIds = (a: string, b: string): number => {
  const [aMs = "0", aSeq = "0"] = a.split("-")
  const [bMs = "0", bSeq = "0"] = b.split("-")
  const ms = BigInt(aMs) - BigInt(bMs)
  const seq = BigInt(aSeq) - BigInt(bSeq)
  return ms !== 0n ? (ms < 0n ? -1 : 1) : seq === 0n ? 0 : seq < 0n ? -1 : 1
}

export type Applied = "applied" | "skipped" | "ignored"

/**
 * Applies one log entry in its own transaction with its position: `skipped` when the position was
 * already past it, `ignored` when it is not a lifecycle event (its position is recorded all the same).
 */
export const applyEntry = (
  domain: JobDomain,
  id: string,
  json: string | undefined
): Effect.Effect<Applied, SqlError.SqlError, RunProjectionServices> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* JobRepository
    const stream = eventsLogKey(domain)
    const decoded = json === undefined ? undefined : yield* Effect.result(decodeChannelMessage(json))
    if (decoded?._tag === "Failure") {
      yield* Effect.logWarning(`run projection: skipped an unreadable entry ${id} of ${stream}: ${decoded.failure.message}`)
    }
    const message = decoded?._tag === "Success" ? decoded.success : undefined
    return yield* sql.withTransaction(Effect.gen(function*() {
      const position = yield* repo.lockOffset(stream)
      if (compareEntryIds(id, position) <= 0) return "skipped" as const
      if (message?._tag === "Lifecycle") yield* applyLifecycle({ domain, id, event: message.event })
      yield* repo.setOffset(stream, id)
      return message?._tag === "Lifecycle" ? "applied" as const : "ignored" as const
    }))
  })

/** XREAD / XREADGROUP reply -> entries; an entry whose fields are gone (trimmed while pending) has no json. */
export const readEntries = (reply: RedisReply): ReadonlyArray<{ readonly id: string; readonly json: string | undefined }> =>
  (replyArray(reply) ?? []).flatMap((stream) =>
    (replyArray((replyArray(stream) ?? [])[1] ?? null) ?? []).flatMap((entry) => {
      const [id, fields] = replyArray(entry) ?? []
      const idText = id === undefined ? undefined : replyString(id)
      if (idText === undefined) return []
      const flat = replyArray(fields ?? null) ?? []
      const at = flat.findIndex((value, i) => i % 2 === 0 && value === "event")
      const json = at >= 0 ? replyString(flat[at + 1] ?? null) : undefined
      return [{ id: idText, json }]
    })
  )

const isMissingCommand = (error: RedisError) => /unknown command/i.test(error.message)

export interface RunProjectionHandle {
  /** Projection loops that keep failing (the database or Redis is down), for readiness checks. */
  readonly failing: () => ReadonlyArray<FailingLoop>
}

/** The projection of one domain, as the supervised loop `run-projection` of the scope. */
export const projectDomain = (
  domain: JobDomain,
  options: Omit<RunProjectionOptions, "domains"> = {}
): Effect.Effect<RunProjectionHandle, never, RunProjectionServices | Scope.Scope> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const repo = yield* JobRepository
    const stream = eventsLogKey(domain)
    const group = options.group ?? defaultGroup
    const consumer = options.consumer ?? defaultConsumer
    const count = String(Math.max(1, options.batchSize ?? 100))
    const block = String(Math.max(1, options.blockMs ?? 1_000))
    const supervisor = yield* makeSupervisor({ domain })

    let connection: RedisConnection | undefined
    let mode: "group" | "plain" | undefined
    /** Where the re-read of this consumer's pending entries stands; undefined once they are done. */
    let pendingFrom: string | undefined = "0"

    const scope = yield* Effect.scope
    const reserved = Effect.suspend(() =>
      connection !== undefined ? Effect.succeed(connection) : redis.reserve.pipe(
        Scope.provide(scope),
        Effect.tap((made) => Effect.sync(() => {
          connection = made
        }))
      )
    )

    const ensureGroup = redis.send("XGROUP", "CREATE", stream, group, "0", "MKSTREAM").pipe(
      Effect.as("group" as const),
      Effect.catchTag("RedisError", (error) =>
        error.message.includes("BUSYGROUP")
          ? Effect.succeed("group" as const)
          : isMissingCommand(error)
          ? Effect.logInfo(`run projection: no consumer groups on this Redis, reading ${stream} from the recorded position`).pipe(
            Effect.as("plain" as const)
          )
          : Effect.fail(error))
    )

    const apply = (entries: ReadonlyArray<{ readonly id: string; readonly json: string | undefined }>, ack: boolean) =>
      Effect.forEach(entries, (entry) =>
        applyEntry(domain, entry.id, entry.json).pipe(
          Effect.andThen(ack ? Effect.asVoid(redis.send("XACK", stream, group, entry.id)) : Effect.void)
        ), { discard: true })

    const groupRound = (reader: RedisConnection) =>
      Effect.gen(function*() {
        const from = pendingFrom ?? ">"
        const reply = yield* reader.send(
          "XREADGROUP", "GROUP", group, consumer, "COUNT", count,
          ...(from === ">" ? ["BLOCK", block] : []),
          "STREAMS", stream, from
        ).pipe(
          Effect.catchTag("RedisError", (error) =>
            error.message.includes("NOGROUP")
              // The log (and its group) was deleted: make the group again and start over.
              ? Effect.sync(() => {
                mode = undefined
                pendingFrom = "0"
              }).pipe(Effect.as(null))
              : Effect.fail(error))
        )
        const entries = readEntries(reply)
        if (pendingFrom !== undefined) pendingFrom = entries.at(-1)?.id
        yield* apply(entries, true)
      })

    const plainRound = (reader: RedisConnection) =>
      Effect.gen(function*() {
        const position = yield* repo.lockOffset(stream)
        const reply = yield* reader.send("XREAD", "COUNT", count, "BLOCK", block, "STREAMS", stream, position)
        yield* apply(readEntries(reply), false)
      })

    const round = Effect.gen(function*() {
      const reader = yield* reserved
      if (mode === undefined) mode = yield* ensureGroup
      yield* mode === "group" ? groupRound(reader) : plainRound(reader)
    })

    yield* supervisor.run("run-projection", round, {
      // The entry that failed is still pending: read the pending ones again first.
      onFailure: () => {
        pendingFrom = "0"
      }
    })
    return { failing: supervisor.failing }
  }).pipe(Effect.annotateLogs({ module: "RunProjection", domain }))

/** Starts the projection of every configured domain for the lifetime of the scope. */
export const runProjection = (options: RunProjectionOptions): Effect.Effect<RunProjectionHandle, never, RunProjectionServices | Scope.Scope> =>
  Effect.forEach(options.domains, (domain) => projectDomain(domain, options)).pipe(
    Effect.map((handles): RunProjectionHandle => ({ failing: () => handles.flatMap((handle) => handle.failing()) }))
  )

/** The projection as a layer of a process (with its SQL, repository, outbox and Redis layers). */
export const layer = (options: RunProjectionOptions): Layer.Layer<never, never, RunProjectionServices> =>
  Layer.effectDiscard(Effect.asVoid(runProjection(options)))
