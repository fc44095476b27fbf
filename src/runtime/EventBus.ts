/**
 * Events of a domain travel two ways at once: published on the `{domain}:events` channel
 * (the seed's contract, for live listeners) and appended to a capped stream
 * `{domain}:events:log` (so a subscriber that was away can replay what it missed).
 * Subscribers get decoded messages; a malformed message is logged, counted and skipped.
 */
import { Context, Effect, Layer, Metric, Option, Stream } from "effect"
import { type ChannelMessage, decodeChannelMessage } from "../contracts/ChannelMessage.js"
import type { JobDomain } from "../contracts/JobDomain.js"
import { eventsLogKey } from "../contracts/Keys.js"
import { defaultEventsChannel } from "../contracts/LifecycleEvents.js"
import { RedisClient } from "../redis/RedisClient.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import type { RedisError } from "../redis/RedisError.js"
import { type RedisReply, replyArray, replyString } from "../redis/RedisReply.js"

export const malformedEvents = Metric.counter("jobs_malformed_events_total", {
  description: "Messages on a domain channel that failed to decode and were skipped"
})

/** A message as it was on the wire, with its stream position when it came from the log. */
export interface RawEvent {
  readonly domain: JobDomain
  readonly json: string
  readonly position?: string
}

export interface DecodedEvent extends RawEvent {
  readonly message: ChannelMessage
}

export interface SubscribeOptions {
  /**
   * Replay from the event log before going live: "0" for everything kept, or a position
   * from an earlier event. Without it, the subscriber sees only what is published from now on.
   */
  readonly from?: string
}

/** XREAD/XRANGE entries of an event log -> [id, json] pairs; entries without an `event` field are skipped. */
export const streamEntries = (reply: RedisReply): ReadonlyArray<readonly [string, string]> =>
  (replyArray(reply) ?? []).flatMap((entry) => {
    const [id, fields] = replyArray(entry) ?? []
    const flat = replyArray(fields ?? null) ?? []
    const at = flat.findIndex((v, i) => i % 2 === 0 && v === "event")
    const idText = replyString(id ?? null)
    const json = at >= 0 ? replyString(flat[at + 1] ?? null) : undefined
    return idText !== undefined && json !== undefined ? [[idText, json] as const] : []
  })

export class EventBus extends Context.Service<EventBus, {
  /** Publishes an already-encoded event (metrics; lifecycle events go through JobContext scripts). */
  readonly publish: (domain: JobDomain, json: string) => Effect.Effect<void, RedisError>
  /** Publishes many encoded events in one round trip. */
  readonly publishAll: (domain: JobDomain, jsons: ReadonlyArray<string>) => Effect.Effect<void, RedisError>
  /** Every message on the channel (or log), exactly as on the wire. */
  readonly subscribeRaw: (domain: JobDomain, options?: SubscribeOptions) => Stream.Stream<RawEvent, RedisError>
  /** Decoded messages; malformed ones are logged, counted and skipped. */
  readonly subscribe: (domain: JobDomain, options?: SubscribeOptions) => Stream.Stream<DecodedEvent, RedisError>
}>()("jobs/EventBus") {
  static readonly layer = Layer.effect(EventBus, Effect.gen(function*() {
    const redis = yield* RedisClient
    const settings = yield* RuntimeConfig

    const publishAll = (domain: JobDomain, jsons: ReadonlyArray<string>) =>
      jsons.length === 0 ? Effect.void : redis.pipeline(jsons.flatMap((json) => [
        ["XADD", eventsLogKey(domain), "MAXLEN", "~", String(settings.eventsMaxLen), "*", "event", json] as const,
        ["PUBLISH", defaultEventsChannel(domain), json] as const
      ])).pipe(Effect.asVoid)

    const live = (domain: JobDomain): Stream.Stream<RawEvent, RedisError> =>
      Stream.unwrap(Effect.map(redis.subscribe(defaultEventsChannel(domain)), (queue) =>
        Stream.fromQueue(queue).pipe(Stream.map((m): RawEvent => ({ domain, json: m.message })))))

    // Reading the log with XREAD BLOCK on a dedicated connection is gap-free and has no
    // duplicates, unlike stitching a replay onto pub/sub.
    const fromLog = (domain: JobDomain, from: string): Stream.Stream<RawEvent, RedisError> =>
      Stream.unwrap(Effect.map(redis.reserve, (connection) =>
        Stream.paginate(from, (position: string) =>
          connection.send("XREAD", "COUNT", "500", "BLOCK", "1000", "STREAMS", eventsLogKey(domain), position).pipe(
            Effect.map((reply) => {
              const streams = replyArray(reply) ?? []
              const entries = streams.flatMap((s) => streamEntries((replyArray(s) ?? [])[1] ?? null))
              const last = entries.at(-1)?.[0] ?? position
              return [entries.map(([id, json]): RawEvent => ({ domain, json, position: id })), Option.some(last)] as const
            })
          ))))

    const subscribeRaw = (domain: JobDomain, options?: SubscribeOptions) =>
      options?.from === undefined ? live(domain) : fromLog(domain, options.from)

    const subscribe = (domain: JobDomain, options?: SubscribeOptions) =>
      subscribeRaw(domain, options).pipe(
        Stream.mapEffect((raw) =>
          decodeChannelMessage(raw.json).pipe(
            Effect.map((message): DecodedEvent | undefined => ({ ...raw, message })),
            Effect.catch((error) =>
              Effect.logWarning(`skipped malformed event on ${defaultEventsChannel(domain)}: ${error.message}`).pipe(
                Effect.annotateLogs({ raw: raw.json.slice(0, 500) }),
                Effect.andThen(Metric.update(malformedEvents, 1)),
                Effect.as(undefined)
              )
            )
          )
        ),
        Stream.filter((event): event is DecodedEvent => event !== undefined)
      )

    return EventBus.of({
      publish: (domain, json) => publishAll(domain, [json]),
      publishAll,
      subscribeRaw,
      subscribe
    })
  }))
}
