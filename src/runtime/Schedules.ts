/**
 * Repeatable jobs. A schedule (an interval or a cron expression, plus the job to run) is kept
 * in the hash `{domain}:schedules`. Every worker may run `runScheduler`: it enqueues each
 * schedule's upcoming occurrences as delayed jobs with the id `repeat:<name>:<epoch ms>`,
 * so enqueue's idempotency turns the same occurrence enqueued by several schedulers into one job.
 * Occurrences that fell while no scheduler ran are skipped, not caught up.
 */
import { Clock, Config, Cron, Duration, Effect, Result, Schema, type Scope } from "effect"
import type { JobDomain } from "../contracts/JobDomain.js"
import { queueKeys } from "../contracts/Keys.js"
import { UserId } from "../contracts/UserId.js"
import { parseWireJson, stringifyWire } from "../contracts/WireJson.js"
import { cancelJob } from "./Cancellation.js"
import { JobQueue } from "./JobQueue.js"
import { RedisClient } from "../redis/RedisClient.js"
import type { RuntimeConfig } from "./RuntimeConfig.js"
import { RedisError } from "../redis/RedisError.js"
import { makeSupervisor, type Supervisor } from "./Supervised.js"
import { replyRecord, replyArray, replyString } from "../redis/RedisReply.js"

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

/**
 * The shortest interval a schedule may have (`JOBS_MIN_SCHEDULE_INTERVAL_MS`, default 1 s): every
 * occurrence is a job kept for the retention time, so `--every 1` would be 1,000 jobs a second.
 */
export const minScheduleIntervalConfig: Config.Config<number> = Config.schema(
  Schema.Int.check(Schema.isGreaterThan(0)),
  "JOBS_MIN_SCHEDULE_INTERVAL_MS"
).pipe(Config.withDefault(1_000))

/** Why a stored schedule cannot run (it is set aside), or undefined when it can. */
export const scheduleProblem = (spec: ScheduleSpec, minIntervalMs: number, now: number): string | undefined => {
  if ((spec.every_ms === undefined) === (spec.cron === undefined)) return "give exactly one of an interval or a cron expression"
  if (spec.every_ms !== undefined) {
    if (spec.every_ms <= 0) return `interval must be positive, got ${spec.every_ms} ms`
    if (spec.every_ms < minIntervalMs) {
      return `interval ${spec.every_ms} ms is under the minimum of ${minIntervalMs} ms (JOBS_MIN_SCHEDULE_INTERVAL_MS)`
    }
    return undefined
  }
  const parsed = Cron.parse(spec.cron ?? "", "UTC")
  if (Result.isFailure(parsed)) return `invalid cron expression "${spec.cron}": ${parsed.failure.message}`
  try {
    Cron.next(parsed.success, new Date(now))
    return undefined
  } catch {
    // Effect's Cron throws when no date matches within its search range (e.g. February 30th).
    return `cron expression "${spec.cron}" never fires`
  }
}

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
      try {
        for (const date of Cron.sequence(parsed.success, new Date(after))) {
          const at = date.getTime()
          if (at > until || out.length >= limit) break
          out.push(at)
        }
      } catch {
        return yield* invalid(spec.name, `cron expression "${spec.cron}" never fires`)
      }
      return out
    }
    return yield* invalid(spec.name, "a schedule needs an interval or a cron expression")
  })

/** Checks and stores a schedule (replacing one of the same name). */
export const addSchedule = (
  domain: JobDomain,
  spec: ScheduleSpec
): Effect.Effect<void, ScheduleError | RedisError | Config.ConfigError, RedisClient> =>
  Effect.gen(function*() {
    if (!namePattern.test(spec.name)) {
      return yield* invalid(spec.name, `invalid schedule name "${spec.name}": use 1-64 letters, digits, _ . - (starting with a letter or digit)`)
    }
    if ((spec.every_ms === undefined) === (spec.cron === undefined)) {
      return yield* invalid(spec.name, "give exactly one of an interval or a cron expression")
    }
    const problem = scheduleProblem(spec, yield* minScheduleIntervalConfig, yield* Clock.currentTimeMillis)
    if (problem !== undefined) return yield* invalid(spec.name, `schedule ${spec.name}: ${problem}`)
    const json = stringifyWire(yield* Schema.encodeEffect(ScheduleSpec)(spec).pipe(Effect.mapError((e) => invalid(spec.name, e.message))))
    yield* (yield* RedisClient).send("HSET", schedulesKey(domain), spec.name, json)
  })

export interface StoredSchedules {
  readonly schedules: ReadonlyArray<ScheduleSpec>
  /** Entries that did not decode, by name, with the reason. */
  readonly unreadable: ReadonlyArray<{ readonly name: string; readonly reason: string }>
  /** Entries that decode but cannot run (a cron that never fires, an interval under the minimum): not in `schedules`. */
  readonly setAside: ReadonlyArray<{ readonly spec: ScheduleSpec; readonly reason: string }>
}

export const listSchedules = (domain: JobDomain): Effect.Effect<StoredSchedules, RedisError | Config.ConfigError, RedisClient> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const reply = yield* redis.send("HGETALL", schedulesKey(domain))
    const raw = replyRecord(reply)
    if (raw === undefined) return yield* new RedisError({ op: "hgetall", message: `unreadable reply for ${schedulesKey(domain)}` })
    const minIntervalMs = yield* minScheduleIntervalConfig
    const now = yield* Clock.currentTimeMillis
    const schedules: Array<ScheduleSpec> = []
    const unreadable: Array<{ name: string; reason: string }> = []
    const setAside: Array<{ spec: ScheduleSpec; reason: string }> = []
    for (const [name, json] of Object.entries(raw)) {
      const decoded = decodeScheduleJson(json)
      if (Result.isFailure(decoded)) unreadable.push({ name, reason: decoded.failure })
      else {
        const problem = scheduleProblem(decoded.success, minIntervalMs, now)
        if (problem === undefined) schedules.push(decoded.success)
        else setAside.push({ spec: decoded.success, reason: problem })
      }
    }
    return { schedules, unreadable, setAside }
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

/**
 * One pass: enqueues every schedule's occurrences in (now, now + horizon]. Returns the ids newly
 * added. Entries that cannot run are skipped, each logged once per `reported` map (a scheduler
 * keeps one across its passes; a new reason is logged again).
 */
export const enqueueDue = (
  domain: JobDomain,
  horizonMs: number,
  reported: Map<string, string> = new Map()
): Effect.Effect<ReadonlyArray<string>, RedisError | Config.ConfigError, RedisClient | JobQueue> =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    const { schedules, unreadable, setAside } = yield* listSchedules(domain)
    const bad = [...unreadable.map((u) => ({ ...u, what: "unreadable schedule" })), ...setAside.map((s) => ({ name: s.spec.name, reason: s.reason, what: "schedule" }))]
    for (const { name, reason, what } of bad) {
      if (reported.get(name) === reason) continue
      reported.set(name, reason)
      yield* Effect.logError(`set aside ${what} "${name}" in ${schedulesKey(domain)}: ${reason}; the others keep running`)
    }
    for (const name of reported.keys()) if (!bad.some((b) => b.name === name)) reported.delete(name)
    const now = yield* Clock.currentTimeMillis
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

/**
 * Runs `enqueueDue` every `tickMs` for the lifetime of the scope, as the supervised loop
 * `scheduler` (of the worker's supervisor when given, so its failures count for readiness).
 */
export const runScheduler = (
  domain: JobDomain,
  options: { readonly tickMs?: number; readonly supervisor?: Supervisor } = {}
): Effect.Effect<void, never, RedisClient | JobQueue | Scope.Scope> =>
  Effect.gen(function*() {
    const tickMs = Math.max(10, options.tickMs ?? 1_000)
    const supervisor = options.supervisor ?? (yield* makeSupervisor({ domain }))
    const reported = new Map<string, string>()
    // Two ticks ahead, so an occurrence is enqueued before it is due even if one pass is late.
    yield* supervisor.run("scheduler", enqueueDue(domain, tickMs * 2, reported).pipe(Effect.andThen(Effect.sleep(Duration.millis(tickMs)))))
  })
