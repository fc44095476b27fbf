/**
 * A consumer of a bus's durable log (`jobs:bus:log`, `tasks:bus:log`) through a Redis consumer group,
 * for the cross-service subscriptions (src/services/README.md). Delivery is at least once:
 *
 * - the group is created with the stream (`XGROUP CREATE ... MKSTREAM`) from the start of the log, so
 *   what was published before the consumer first ran is not missed, and re-created when Redis lost it;
 * - entries are read with `XREADGROUP` and acknowledged (`XACK`) only after the handler succeeded;
 * - a failed handler is logged and counted and its entry stays pending; pending entries idle for
 *   `reclaimIdleMs` are taken again with `XAUTOCLAIM` (by this or another consumer of the group), so a
 *   consumer that died holding entries does not strand them; a restarted consumer resumes at the
 *   group's position (entries it held are reclaimed the same way);
 * - a malformed entry (no `event` field, or an event that does not decode) is logged, counted and
 *   acknowledged, so it never blocks the group;
 * - on a Redis without consumer groups (the in-memory twin) it reads with plain XREAD from a position
 *   kept in the process (the twin's data lives no longer), retrying a failed handler's entry in place;
 * - the publisher may send an event twice (see OutboxPublisher.ts): an event whose `event_id` this
 *   group already handled (remembered for `dedupeTtlSeconds`) is acknowledged without running the
 *   handler. Handlers are still written idempotent: the memory is written after the handler succeeded.
 */
import { hostname } from "node:os"
import { Cause, Effect, Metric, type Scope } from "effect"
import type { ContractError } from "../../contracts/ContractError.js"
import { RedisClient, type RedisConnection } from "../../redis/RedisClient.js"
import type { RedisError } from "../../redis/RedisError.js"
import { type RedisReply, replyArray, replyRecord, replyString } from "../../redis/RedisReply.js"
import { describeCause, type FailingLoop, makeSupervisor } from "../../runtime/Supervised.js"
import { busLogKey } from "./OutboxPublisher.js"

export const busMalformed = Metric.counter("jobs_bus_malformed_total", {
  description: "Bus log entries a consumer group could not decode; they were acknowledged and skipped"
})

export const busHandlerFailures = Metric.counter("jobs_bus_handler_failures_total", {
  description: "Bus events whose handler failed; the entry stays pending and is retried"
})

export interface BusConsumerOptions<A extends { readonly event_id: string }, R> {
  /** The bus channel; its log `{channel}:log` is read. */
  readonly channel: string
  /** The consumer group: one per subscribing service (every group gets every event). */
  readonly group: string
  /** This process within the group; defaults to `{hostname}-{pid}`. */
  readonly consumer?: string
  readonly decode: (text: string) => Effect.Effect<A, ContractError>
  readonly handle: (event: A) => Effect.Effect<void, unknown, R>
  /** Entries per read (default 100). */
  readonly batch?: number
  /** How long a read blocks waiting for new entries (default 1000 ms). */
  readonly blockMs?: number
  /** A pending entry idle this long is delivered again (default 30 s): the retry delay of a failed handler. */
  readonly reclaimIdleMs?: number
  /** How long a handled event_id is remembered for de-duplication (default one day). */
  readonly dedupeTtlSeconds?: number
}

export interface BusConsumerHandle {
  /** The consumer loop when it keeps failing (Redis down), for readiness checks. */
  readonly failing: () => ReadonlyArray<FailingLoop>
}

interface Entry {
  readonly id: string
  readonly fields: Readonly<Record<string, string>> | undefined
}

/** XREADGROUP / XAUTOCLAIM entries -> id and fields (fields undefined when the entry is not a flat record). */
const entriesOf = (reply: RedisReply): ReadonlyArray<Entry> =>
  (replyArray(reply) ?? []).flatMap((entry) => {
    const [id, fields] = replyArray(entry) ?? []
    const idText = replyString(id ?? null)
    return idText === undefined ? [] : [{ id: idText, fields: replyRecord(fields ?? null) ?? undefined }]
  })

/** XREADGROUP's reply: [[stream, entries]] or nil when the block timed out. */
const readEntries = (reply: RedisReply): ReadonlyArray<Entry> =>
  (replyArray(reply) ?? []).flatMap((stream) => entriesOf((replyArray(stream) ?? [])[1] ?? null))

const isGroupMissing = (error: RedisError) => error.message.includes("NOGROUP")

/** Starts a supervised consumer in the current scope. */
export const run = <A extends { readonly event_id: string }, R>(
  options: BusConsumerOptions<A, R>
): Effect.Effect<BusConsumerHandle, never, RedisClient | Scope.Scope | R> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const key = busLogKey(options.channel)
    const { group, channel } = options
    const consumer = options.consumer ?? `${hostname()}-${process.pid}`
    const count = String(options.batch ?? 100)
    const blockMs = String(options.blockMs ?? 1_000)
    const reclaimIdleMs = options.reclaimIdleMs ?? 30_000
    const dedupeTtl = String(options.dedupeTtlSeconds ?? 86_400)
    const seenKey = (eventId: string) => `${key}:seen:${group}:${eventId}`
    const attributes = { channel, group }

    /** "plain": a Redis without consumer groups (the in-memory twin), read with XREAD instead. */
    const createGroup = redis.send("XGROUP", "CREATE", key, group, "0", "MKSTREAM").pipe(
      Effect.as("group" as const),
      Effect.catchIf((error) => error.message.includes("BUSYGROUP"), () => Effect.succeed("group" as const)),
      Effect.catchIf((error) => error.message.includes("unknown command"), () => Effect.succeed("plain" as const))
    )

    let plain = false
    const ack = (id: string) => plain ? Effect.void : redis.send("XACK", key, group, id).pipe(Effect.asVoid)

    const skipMalformed = (entry: Entry, why: string) =>
      Effect.logWarning(`skipped malformed entry ${entry.id} of ${key} (group ${group}): ${why}`).pipe(
        Effect.annotateLogs({ raw: (entry.fields?.["event"] ?? JSON.stringify(entry.fields ?? null)).slice(0, 500) }),
        Effect.andThen(Metric.update(Metric.withAttributes(busMalformed, attributes), 1)),
        Effect.andThen(ack(entry.id))
      )

    const handleEntry = (entry: Entry) =>
      Effect.gen(function*() {
        const text = entry.fields?.["event"]
        if (text === undefined) return yield* skipMalformed(entry, "no event field").pipe(Effect.as(true))
        const decoded = yield* Effect.result(options.decode(text))
        if (decoded._tag === "Failure") return yield* skipMalformed(entry, decoded.failure.message).pipe(Effect.as(true))
        const event = decoded.success
        if (replyString(yield* redis.send("GET", seenKey(event.event_id))) !== undefined) {
          yield* ack(entry.id) // a duplicate the publisher sent again
          return true
        }
        const outcome = yield* Effect.exit(options.handle(event))
        if (outcome._tag === "Failure") {
          if (Cause.hasInterruptsOnly(outcome.cause)) return yield* Effect.interrupt
          yield* Metric.update(Metric.withAttributes(busHandlerFailures, attributes), 1)
          yield* Effect.logWarning(
            `handler failed for ${event.event_id} (entry ${entry.id} of ${key}, group ${group}); retried after ${reclaimIdleMs} ms: ${describeCause(outcome.cause)}`,
            outcome.cause
          )
          return false
        }
        yield* redis.send("SET", seenKey(event.event_id), "1", "EX", dedupeTtl)
        yield* ack(entry.id)
        return true
      }).pipe(Effect.annotateLogs({ entry: entry.id }))

    const handleAll = (entries: ReadonlyArray<Entry>) => Effect.forEach(entries, handleEntry, { discard: true })

    /** Entries idle in the group's pending list (a failed handler, a consumer that died), claimed by us. */
    const reclaim = Effect.gen(function*() {
      let cursor = "0-0"
      do {
        const reply = replyArray(yield* redis.send("XAUTOCLAIM", key, group, consumer, String(reclaimIdleMs), cursor, "COUNT", count)) ?? []
        yield* handleAll(entriesOf(reply[1] ?? null))
        cursor = replyString(reply[0] ?? null) ?? "0-0"
      } while (cursor !== "0-0")
    })

    const supervisor = yield* makeSupervisor({})
    /**
     * Without consumer groups the position lives in this process, which is as long as the in-memory
     * twin's data lives; a failed handler's entry is retried in place after `reclaimIdleMs`.
     */
    let plainPosition = "0"
    const plainLoop = (connection: RedisConnection) =>
      Effect.gen(function*() {
        while (true) {
          const reply = yield* connection.send("XREAD", "COUNT", count, "BLOCK", blockMs, "STREAMS", key, plainPosition)
          for (const entry of readEntries(reply)) {
            while (!(yield* handleEntry(entry))) yield* Effect.sleep(reclaimIdleMs)
            plainPosition = entry.id
          }
        }
      })

    const loop = Effect.gen(function*() {
      const connection = yield* redis.reserve
      if ((yield* createGroup) === "plain") {
        plain = true
        return yield* plainLoop(connection)
      }
      // What this consumer (same name: restarted in place) took and did not acknowledge, before new entries.
      yield* handleAll(readEntries(yield* connection.send("XREADGROUP", "GROUP", group, consumer, "COUNT", count, "STREAMS", key, "0")))
      let lastReclaim = 0
      while (true) {
        const now = Date.now()
        if (now - lastReclaim >= reclaimIdleMs / 2) {
          lastReclaim = now
          yield* reclaim
        }
        const reply = yield* connection.send("XREADGROUP", "GROUP", group, consumer, "COUNT", count, "BLOCK", blockMs, "STREAMS", key, ">")
        yield* handleAll(readEntries(reply))
      }
    }).pipe(
      // Redis restarted without its data: the group is gone; create it again (from the start of the log).
      Effect.catchIf(isGroupMissing, () => Effect.asVoid(createGroup)),
      Effect.scoped,
      Effect.annotateLogs({ module: "BusConsumer", channel, group, consumer })
    )
    yield* supervisor.run(`bus-consumer:${group}`, loop, { disableYield: true })
    return { failing: supervisor.failing }
  })
