/**
 * Repeatable jobs. A schedule (an interval or a cron expression, plus the job to run) is kept
 * in the hash `{domain}:schedules`. Every worker may run `runScheduler`: it enqueues each
 * schedule's upcoming occurrences as delayed jobs with the id `repeat:<name>:<epoch ms>`,
 * so enqueue's idempotency turns the same occurrence enqueued by several schedulers into one job.
 * Occurrences that fell while no scheduler ran are skipped, not caught up.
 */
import { Cron, Duration, Effect, Result, Schema, type Scope } from "effect"
import type { JobDomain } from "../contracts/JobDomain.js"
import { queueKeys } from "../contracts/Keys.js"
import { UserId } from "../contracts/UserId.js"
import { parseWireJson, stringifyWire } from "../contracts/WireJson.js"
import { cancelJob } from "./Cancellation.js"
import { JobQueue } from "./JobQueue.js"
import { RedisClient } from "./RedisClient.js"
import type { RuntimeConfig } from "./RuntimeConfig.js"
import { RedisError } from "./redis/RedisError.js"
import { replyRecord, replyArray, replyString } from "./redis/RedisReply.js"

export const schedulesKey = (domain: JobDomain): string => `${domain}:schedules`

export class ScheduleError extends Schema.TaggedError<ScheduleError>()("ScheduleError", {
  name: Schema.String,
  message: Schema.String
}) {}

export const ScheduleSpec = Schema.Struct({
  name: Schema.String,
  /** Run every this many ms, counted from `anchor_ms`. */
  every_ms: Schema.optionalKey(Schema.Int),
  /** Or on this cron expression (5 or 6 fields, UTC). */
  cron: Schema.optionalKey(Schema.String),
  anchor_ms: Schema.Int,
  user_id: UserId,
  payload: Schema.Json,
  max_attempts: Schema.optionalKey(Schema.Int)
})
export type ScheduleSpec = typeof ScheduleSpec.Type
// user_id is a bigint: stored as a JSON integer written from its digits and read from them (WireJson.ts).
const decodeScheduleJson = (json: string): Result.Result<ScheduleSpec, string> =>
  Result.flatMap(
    Result.try({ try: () => parseWireJson(json), catch: (error) => `not JSON: ${String(error)}` }),
    (parsed) => Result.mapError(Schema.decodeUnknownResult(ScheduleSpec)(parsed), (error) => error.message)
  )

const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
/** How far ahead occurrences are enqueued, and the most enqueued per schedule in one pass. */
const maxPerPass = 100

export const repeatJobId = (name: string, at: number): string => `repeat:${name}:${at}`

const invalid = (name: string, message: string) => new ScheduleError({ name, message })

/** Occurrences in (after, until], at most `limit`. */
export const occurrences = (spec: ScheduleSpec, after: number, until: number, limit = maxPerPass): Effect.Effect<ReadonlyArray<number>, ScheduleError> =>
  Effect.gen(function*() {
    const out: Array<number> = []
    if (spec.every_ms !== undefined) {
      const every = spec.every_ms
      if (every <= 0) return yield* invalid(spec.name, `interval must be positive, got ${every} ms`)
      let k = Math.max(0, Math.floor((after - spec.anchor_ms) / every) + 1)
      for (let at = spec.anchor_ms + k * every; at <= until && out.length < limit; at = spec.anchor_ms + ++k * every) {
        if (at > after) out.push(at)
      }
      return out
    }
    if (spec.cron !== undefined) {
      const parsed = Cron.parse(spec.cron, "UTC")
      if (Result.isFailure(parsed)) return yield* invalid(spec.name, `invalid cron expression "${spec.cron}": ${parsed.failure.message}`)
      for (const date of Cron.sequence(parsed.success, new Date(after))) {
        const at = date.getTime()
        if (at > until || out.length >= limit) break
        out.push(at)
      }
      return out
    }
    return yield* invalid(spec.name, "a schedule needs an interval or a cron expression")
  })

/** Checks and stores a schedule (replacing one of the same name). */
export const addSchedule = (domain: JobDomain, spec: ScheduleSpec): Effect.Effect<void, ScheduleError | RedisError, RedisClient> =>
  Effect.gen(function*() {
    if (!namePattern.test(spec.name)) {
      return yield* invalid(spec.name, `invalid schedule name "${spec.name}": use 1-64 letters, digits, _ . - (starting with a letter or digit)`)
    }
    if ((spec.every_ms === undefined) === (spec.cron === undefined)) {
      return yield* invalid(spec.name, "give exactly one of an interval or a cron expression")
    }
    yield* occurrences(spec, spec.anchor_ms, spec.anchor_ms, 1)
    const json = stringifyWire(yield* Schema.encodeEffect(ScheduleSpec)(spec).pipe(Effect.mapError((e) => invalid(spec.name, e.message))))
    yield* (yield* RedisClient).send("HSET", schedulesKey(domain), spec.name, json)
  })

export interface StoredSchedules {
  readonly schedules: ReadonlyArray<ScheduleSpec>
  /** Entries that did not decode, by name, with the reason. */
  readonly unreadable: ReadonlyArray<{ readonly name: string; readonly reason: string }>
}

export const listSchedules = (domain: JobDomain): Effect.Effect<StoredSchedules, RedisError, RedisClient> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const reply = yield* redis.send("HGETALL", schedulesKey(domain))
    const raw = replyRecord(reply)
    if (raw === undefined) return yield* new RedisError({ op: "hgetall", message: `unreadable reply for ${schedulesKey(domain)}` })
    const schedules: Array<ScheduleSpec> = []
    const unreadable: Array<{ name: string; reason: string }> = []
    for (const [name, json] of Object.entries(raw)) {
      const decoded = decodeScheduleJson(json)
      if (Result.isSuccess(decoded)) schedules.push(decoded.success)
      else unreadable.push({ name, reason: decoded.failure })
    }
    return { schedules, unreadable }
  })

/** Deletes a schedule and cancels its occurrences already waiting in the delayed set. */
export const removeSchedule = (domain: JobDomain, name: string): Effect.Effect<boolean, RedisError, RedisClient | RuntimeConfig> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const removed = (yield* redis.send("HDEL", schedulesKey(domain), name)) === 1
    const delayed = (replyArray(yield* redis.send("ZRANGE", queueKeys(domain).delayed, "0", "-1")) ?? [])
      .map((r) => replyString(r) ?? "")
      .filter((id) => id.startsWith(`repeat:${name}:`))
    yield* Effect.forEach(delayed, (id) => cancelJob(domain, id).pipe(Effect.catchTag("JobNotFound", () => Effect.void)))
    return removed
  })

/** One pass: enqueues every schedule's occurrences in (now, now + horizon]. Returns the ids newly added. */
export const enqueueDue = (domain: JobDomain, horizonMs: number): Effect.Effect<ReadonlyArray<string>, RedisError, RedisClient | JobQueue> =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    const { schedules, unreadable } = yield* listSchedules(domain)
    for (const bad of unreadable) yield* Effect.logError(`skipped unreadable schedule "${bad.name}" in ${schedulesKey(domain)}: ${bad.reason}`)
    const now = Date.now()
    const added: Array<string> = []
    for (const spec of schedules) {
      const due = yield* Effect.result(occurrences(spec, now, now + horizonMs))
      if (Result.isFailure(due)) {
        yield* Effect.logError(`skipped schedule "${spec.name}" in ${schedulesKey(domain)}: ${due.failure.message}`)
        continue
      }
      const results = yield* queue.enqueueBulk(domain, due.success.map((at) => ({
        jobId: repeatJobId(spec.name, at),
        userId: spec.user_id,
        payload: spec.payload,
        runAt: at,
        ...(spec.max_attempts === undefined ? {} : { maxAttempts: spec.max_attempts })
      }))).pipe(
        Effect.catchTag("EnqueueError", (error) =>
          Effect.logError(`schedule "${spec.name}": ${error.message}`).pipe(Effect.as([])))
      )
      for (const r of results) if (r.added) added.push(r.jobId)
    }
    return added
  })

/** Runs `enqueueDue` every `tickMs` for the lifetime of the scope; errors are logged and the loop goes on. */
export const runScheduler = (
  domain: JobDomain,
  options: { readonly tickMs?: number } = {}
): Effect.Effect<void, never, RedisClient | JobQueue | Scope.Scope> => {
  const tickMs = Math.max(10, options.tickMs ?? 1_000)
  // Two ticks ahead, so an occurrence is enqueued before it is due even if one pass is late.
  return enqueueDue(domain, tickMs * 2).pipe(
    Effect.catch((error) => Effect.logWarning(`scheduler: ${error.message}`)),
    Effect.andThen(Effect.sleep(Duration.millis(tickMs))),
    Effect.forever,
    Effect.forkScoped,
    Effect.asVoid
  )
}
