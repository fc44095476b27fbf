/**
 * Batches one domain's job state changes and claims into one script call (apply-6.lua) per
 * round trip. While a batch is on the wire the next one fills up, so under load a call
 * carries many jobs' changes, and with one job in flight a finished job's change and the
 * claim of its successor travel together.
 */
import { Clock, Deferred, Effect, Queue, type Scope } from "effect"
import type { ErrorKind, JobDomain } from "../../contracts/JobDomain.js"
import { eventsLogKey, jobKeyPrefix, queueKeys } from "../../contracts/Keys.js"
import { defaultEventsChannel } from "../../contracts/LifecycleEvents.js"
import { formatTimestamp } from "../../contracts/Timestamps.js"
import { parseUserId, type UserId } from "../../contracts/UserId.js"
import { RedisClient } from "../../redis/RedisClient.js"
import { RuntimeConfig } from "../RuntimeConfig.js"
import type { LuaScript } from "../../redis/LuaScript.js"
import { RedisError } from "../../redis/RedisError.js"
import { type RedisReply, replyArray, replyNumber, replyString } from "../../redis/RedisReply.js"

/** Changes and claims sent in one call at most; the rest wait for the next. */
const maxBatch = 512

/** Wait before a failed call's final changes go again: doubles from the first to the last. */
const firstRetryMs = 50
const lastRetryMs = 1_000

export type ChangeKind = "update" | "completed" | "failed" | "retry" | "dead" | "release"

/** A fenced change of one running job: the status hash fields it sets and the event it emits. */
export interface JobChange {
  readonly kind: ChangeKind
  readonly jobId: string
  readonly executionId: string
  /** The lifecycle event, wire JSON. */
  readonly event: string
  /** Field/value pairs for the status hash; `updated_at` is added. */
  readonly fields: ReadonlyArray<string>
  /** retry only: when the next attempt may start, epoch ms. */
  readonly runAt?: number
  /**
   * Encoded telemetry envelopes, one per line, appended to `{domain}:telemetry:log` by the same
   * script call when the change applies (a refused change writes none).
   */
  readonly telemetry?: string
}

export interface ClaimedJob {
  readonly jobId: string
  readonly executionId: string
  readonly attempt: number
  readonly userId: UserId
  /** Raw payload JSON as stored. */
  readonly payload: string
  readonly maxAttempts: number
  readonly backoffMs: number
  readonly retryOn: ReadonlyArray<ErrorKind>
  /** The producer's W3C trace context, when it enqueued inside a span (see worker/tracing.ts). */
  readonly traceparent: string | undefined
  /** Given or generated at enqueue; undefined only for records written before correlation existed. */
  readonly correlationId: string | undefined
  /** The running job that enqueued this one. */
  readonly parentJobId: string | undefined
}

export interface InvalidEntry {
  readonly entry: string
  readonly reason: string
}

export interface Claimed {
  readonly jobs: ReadonlyArray<ClaimedJob>
  readonly invalid: ReadonlyArray<InvalidEntry>
  /** Fewer jobs than asked for: ms until the earliest delayed job is due, when there is one. */
  readonly nextDelayedInMs: number | undefined
}

type Pending =
  | { readonly _tag: "Change"; readonly change: JobChange; readonly applied: Deferred.Deferred<boolean, RedisError> }
  | {
    readonly _tag: "Claim"
    readonly workerId: string
    readonly max: number
    readonly claimed: Deferred.Deferred<Claimed, RedisError>
  }

/**
 * Queues a change for the next call and returns at once (a side effect, hence unsafe). The
 * Deferred tells whether it was applied: false when the job no longer runs under that execution.
 * Changes are applied in the order they were posted.
 */
export type PostChange = (change: JobChange) => Deferred.Deferred<boolean, RedisError>

export interface ChangeBatcher {
  readonly postUnsafe: PostChange
  readonly claim: (workerId: string, max: number) => Effect.Effect<Claimed, RedisError>
}

const errorKinds: ReadonlyArray<ErrorKind> = ["user", "system"]
const parseRetryOn = (text: string): ReadonlyArray<ErrorKind> => errorKinds.filter((kind) => text.split(",").includes(kind))

// The claim script hands over user ids as decimal text it has checked (never a Lua number).
const claimedUserId = (reply: RedisReply): UserId | undefined =>
  typeof reply === "string" ? parseUserId(reply) : typeof reply === "number" && Number.isSafeInteger(reply) ? BigInt(reply) : undefined

/** Values per claimed job in the claim's reply (includes/claim.lua). */
const claimedStride = 11

const parseClaimed = (reply: RedisReply): Claimed | undefined => {
  const parts = replyArray(reply)
  if (parts === undefined) return undefined
  const flat = replyArray(parts[0] ?? null)
  const bad = replyArray(parts[1] ?? null)
  if (flat === undefined || bad === undefined) return undefined
  const jobs: Array<ClaimedJob> = []
  for (let i = 0; i + claimedStride - 1 < flat.length; i += claimedStride) {
    const jobId = replyString(flat[i] ?? null)
    const executionId = replyString(flat[i + 1] ?? null)
    const attempt = replyNumber(flat[i + 2] ?? null)
    const userId = claimedUserId(flat[i + 3] ?? null)
    const payload = replyString(flat[i + 4] ?? null)
    const maxAttempts = replyNumber(flat[i + 5] ?? null) ?? 1
    const backoffMs = replyNumber(flat[i + 6] ?? null) ?? 0
    const retryOn = parseRetryOn(replyString(flat[i + 7] ?? null) ?? "system")
    const traceparent = replyString(flat[i + 8] ?? null) || undefined
    const correlationId = replyString(flat[i + 9] ?? null) || undefined
    const parentJobId = replyString(flat[i + 10] ?? null) || undefined
    if (jobId === undefined || executionId === undefined || attempt === undefined || payload === undefined || userId === undefined) {
      return undefined
    }
    jobs.push({ jobId, executionId, attempt, userId, payload, maxAttempts, backoffMs, retryOn, traceparent, correlationId, parentJobId })
  }
  const invalid: Array<InvalidEntry> = []
  for (let i = 0; i + 1 < bad.length; i += 2) {
    invalid.push({ entry: String(bad[i]), reason: String(bad[i + 1]) })
  }
  const nextDelayedInMs = replyNumber(parts[2] ?? null)
  return { jobs, invalid, nextDelayedInMs }
}

const unexpected = (reply: RedisReply) => RedisError.unexpectedReply("script apply", reply)

// Lone surrogates would make the batch's JSON undecodable for cjson; UTF-8 encoding of an
// argument turns them into U+FFFD anyway, so the stored text is the same as before.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const wellFormed = (text: string): string => text.replace(loneSurrogate, "\uFFFD")

/**
 * One change as a JSON array of strings. JSON.stringify writes a lone surrogate as a `\udXXX`
 * escape (lower case), so one scan of the result tells whether any text may need mending; the
 * scan also matches a literal backslash-u-d and an event's own escapes, which mending leaves be.
 */
const encodeChange = (c: JobChange, telemetryRef: string, text: (value: string) => string = String): string => {
  const json = JSON.stringify([c.kind, c.jobId, text(c.executionId), c.event, String(c.runAt ?? 0), telemetryRef, ...c.fields.map(text)])
  return text === String && json.includes("\\ud") ? encodeChange(c, telemetryRef, wellFormed) : json
}

/** Starts the batcher of one domain over apply-6.lua; its sender runs until the scope closes. */
export const makeChangeBatcher = (domain: JobDomain, script: LuaScript): Effect.Effect<ChangeBatcher, never, RedisClient | RuntimeConfig | Scope.Scope> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const settings = yield* RuntimeConfig
    const keys = queueKeys(domain)
    const scriptKeys = [keys.wait, keys.active, keys.delayed, keys.invalid, keys.dead, eventsLogKey(domain)]
    const header = [jobKeyPrefix(domain), domain, defaultEventsChannel(domain), String(settings.eventsMaxLen)]
    const pending = yield* Queue.unbounded<Pending>()

    const answer = (item: Pending, failure: Effect.Effect<never, RedisError>) =>
      item._tag === "Change" ? Deferred.doneUnsafe(item.applied, failure) : Deferred.doneUnsafe(item.claimed, failure)

    // Final changes of a call Redis refused (OOM under maxmemory, BUSY, a dropped connection),
    // sent again with the next call after a backoff: a job whose program finished keeps its
    // outcome until it is written or the fence refuses it (the lease was really lost), which
    // makes sending one twice harmless. Progress changes of such a call are dropped and answered
    // as applied: the next progress or the final change carries a newer state, and holding them
    // would stall the job's program behind Redis (JobContext keeps a bounded number in flight).
    // Claims fail at once, so the worker does not count on jobs the refused call never took.
    let retrying: Array<Pending> = []
    let retryMs = 0
    const refused = (batch: ReadonlyArray<Pending>, error: RedisError) =>
      Effect.suspend(() => {
        for (const item of batch) {
          if (item._tag === "Claim") answer(item, Effect.fail(error))
          else if (item.change.kind === "update") Deferred.doneUnsafe(item.applied, Effect.succeed(true))
          else retrying.push(item)
        }
        if (retrying.length === 0) return Effect.void
        retryMs = Math.min(lastRetryMs, retryMs === 0 ? firstRetryMs : retryMs * 2)
        return Effect.logWarning(`${error.message}; ${retrying.length} final change(s) sent again in ${retryMs} ms`).pipe(
          Effect.annotateLogs({ domain })
        )
      })

    // Made once (Effect.fnUntraced), not an Effect.gen closure per call: see Worker.ts on why.
    const send = Effect.fnUntraced(
      function*(batch: ReadonlyArray<Pending>) {
        const claims: Array<string> = []
        const changes: Array<string> = []
        // Telemetry lines go as arguments of their own, referenced by number from their change:
        // inside the changes' JSON they would be escaped here and decoded by cjson for nothing.
        const telemetry: Array<string> = []
        for (const item of batch) {
          if (item._tag === "Claim") claims.push(item.workerId, String(item.max))
          else changes.push(encodeChange(item.change, item.change.telemetry === undefined ? "" : String(telemetry.push(item.change.telemetry))))
        }
        const updatedAt = formatTimestamp(yield* Clock.currentTimeMillis)
        const reply = yield* redis.eval(script, scriptKeys, [
          ...header, updatedAt, String(settings.leaseMs), String(settings.retentionMs), String(claims.length / 2),
          ...claims, `[${changes.join(",")}]`, String(settings.telemetryLogMaxLen), ...telemetry
        ])
        const parts = replyArray(reply)
        const applied = parts && replyString(parts[0] ?? null)
        const claimed = parts && replyArray(parts[1] ?? null)
        if (applied === undefined || claimed === undefined || applied.length !== changes.length) return yield* unexpected(reply)
        retryMs = 0
        const problems = replyArray(parts?.[2] ?? null) ?? []
        for (let i = 0; i + 1 < problems.length; i += 2) {
          yield* Effect.logError(`set aside ${String(problems[i + 1])}`).pipe(Effect.annotateLogs({ domain }))
        }
        let a = 0
        let c = 0
        for (const item of batch) {
          if (item._tag === "Change") {
            Deferred.doneUnsafe(item.applied, Effect.succeed(applied[a++] === "1"))
          } else {
            const result = parseClaimed(claimed[c++] ?? null)
            Deferred.doneUnsafe(item.claimed, result === undefined ? Effect.fail(unexpected(reply)) : Effect.succeed(result))
          }
        }
      },
      (effect, batch) => Effect.catch(effect, (error) => refused(batch, error))
    )

    // One call on the wire at a time: whatever arrives meanwhile forms the next batch.
    const sender = Effect.gen(function*() {
      const again = retrying
      retrying = []
      if (again.length > 0) yield* Effect.sleep(retryMs)
      const first = again.length > 0
        ? [...again, ...yield* Queue.takeBetween(pending, 0, Math.max(0, maxBatch - again.length))]
        : yield* Queue.takeBetween(pending, 1, maxBatch)
      // Fibers woken in the same round (a job that just finished, the claim loop) join this call.
      yield* Effect.yieldNow
      const more = first.length < maxBatch ? yield* Queue.takeBetween(pending, 0, maxBatch - first.length) : []
      yield* send(more.length === 0 ? first : [...first, ...more])
      // Every round waits on the queue or on Redis, so the loop needs no yield of its own.
    }).pipe(Effect.forever({ disableYield: true }))

    const closed = new RedisError({ op: "script apply", message: "the runtime is shutting down" })
    const answerRetrying = Effect.sync(() => {
      for (const item of retrying.splice(0)) answer(item, Effect.fail(closed))
    })
    yield* Effect.forkScoped(Effect.onInterrupt(sender, () => answerRetrying))
    // Whatever is still queued when the runtime closes is answered, so no caller waits forever.
    yield* Effect.addFinalizer(() =>
      Queue.clear(pending).pipe(Effect.flatMap((rest) =>
        Effect.sync(() => {
          for (const item of rest) answer(item, Effect.fail(closed))
        })
      ), Effect.andThen(answerRetrying))
    )

    return {
      postUnsafe: (change) => {
        const applied = Deferred.makeUnsafe<boolean, RedisError>()
        Queue.offerUnsafe(pending, { _tag: "Change", change, applied })
        return applied
      },
      claim: (workerId, max) =>
        Effect.suspend(() => {
          const claimed = Deferred.makeUnsafe<Claimed, RedisError>()
          Queue.offerUnsafe(pending, { _tag: "Claim", workerId, max, claimed })
          return Deferred.await(claimed)
        })
    }
  })
