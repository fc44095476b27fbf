/**
 * The per-domain queue: enqueue (idempotent by job id), claim with a lease, renew leases,
 * recover jobs whose worker died, and wait for work without polling. Every multi-step
 * change is one Lua script (src/runtime/lua/), so the in-memory twin and Redis agree.
 */
import { randomUUID } from "node:crypto"
import { Clock, Context, Effect, Layer, Option, Schema, Scope, Tracer } from "effect"
import type { ErrorKind, JobDomain } from "../contracts/JobDomain.js"
import { jobKeyPrefix, queueKeys } from "../contracts/Keys.js"
import { defaultEventsChannel } from "../contracts/LifecycleEvents.js"
import { eventsLogKey } from "../contracts/Keys.js"
import { formatTimestamp } from "../contracts/Timestamps.js"
import { formatTraceParent, parseTraceParent } from "../contracts/TraceParent.js"
import { isUserIdInRange, type UserId, userIdRangeText } from "../contracts/UserId.js"
import { RedisClient } from "../redis/RedisClient.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import { loadLuaScript } from "../redis/LuaScript.js"
import { RedisError } from "../redis/RedisError.js"
import { replyArray, replyNumber } from "../redis/RedisReply.js"
import { type ChangeBatcher, type Claimed, makeChangeBatcher, type PostChange } from "./queue/ChangeBatcher.js"

export type { ChangeKind, Claimed, ClaimedJob, InvalidEntry, JobChange, PostChange } from "./queue/ChangeBatcher.js"

const scripts = {
  enqueue: loadLuaScript(import.meta.url, "enqueue-2.lua"),
  apply: loadLuaScript(import.meta.url, "apply-6.lua"),
  extend: loadLuaScript(import.meta.url, "extend-1.lua"),
  recover: loadLuaScript(import.meta.url, "recover-4.lua")
}

export class EnqueueError extends Schema.TaggedError<EnqueueError>()("EnqueueError", {
  jobId: Schema.optional(Schema.String),
  message: Schema.String
}) {}

export interface EnqueueRequest {
  readonly domain: JobDomain
  /** Any signed 64-bit integer (a bigint: see contracts/UserId.ts). */
  readonly userId: UserId
  /** The job's payload; the domain's schema is checked by the caller (see Jobs). */
  readonly payload: unknown
  /** Caller-given id; enqueueing the same id twice adds the job once. */
  readonly jobId?: string
  /** Earliest start, epoch ms. */
  readonly runAt?: number
  readonly maxAttempts?: number
  /** First retry delay; later ones double, with jitter. */
  readonly backoffMs?: number
  /** Error kinds that are retried while attempts remain (default: system only). */
  readonly retryOn?: ReadonlyArray<ErrorKind>
  /**
   * W3C trace context the job's attempts continue (their spans are its children). Default: the
   * span the enqueue runs in, if any.
   */
  readonly traceparent?: string
  /**
   * Ties this job's telemetry to others' (1-200 characters, no control characters). Default: the
   * running job's when enqueued from inside one (Producer), else a new UUID.
   */
  readonly correlationId?: string
  /** The running job that enqueues this one (Producer sets it from JobContext); shown in lineage. */
  readonly parentJobId?: string
}

export interface Enqueued {
  readonly jobId: string
  /** false when a job with this id already existed. */
  readonly added: boolean
}

export interface LeaseRenewal {
  readonly lost: ReadonlyArray<string>
  readonly cancelRequested: ReadonlyArray<string>
}

export interface Recovered {
  readonly requeued: ReadonlyArray<string>
  readonly dead: ReadonlyArray<string>
  readonly cancelled: ReadonlyArray<string>
  /** Queue keys of the wrong type that were set aside, with what was done. */
  readonly problems: ReadonlyArray<string>
}

export interface QueueCounts {
  readonly waiting: number
  readonly active: number
  readonly delayed: number
  readonly dead: number
  readonly invalid: number
}

const jobIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/
const correlationIdPattern = /^\P{Cc}{1,200}$/u

const unexpected = RedisError.unexpectedReply

// The enqueuing fiber's span as a traceparent ("" = none), read once per call, not per job.
const currentTraceParent = Effect.map(Effect.serviceOption(Tracer.ParentSpan), (span) =>
  Option.isNone(span) || Context.get(span.value.annotations, Tracer.DisablePropagation) ? "" : formatTraceParent(span.value) ?? "")

// The form Python's datetime.isoformat() writes for UTC (see contracts/Timestamps.ts).
const nowIso = Effect.map(Clock.currentTimeMillis, formatTimestamp)

export class JobQueue extends Context.Service<JobQueue, {
  readonly enqueue: (request: EnqueueRequest) => Effect.Effect<Enqueued, EnqueueError | RedisError>
  /** Many jobs of one domain in one round trip. */
  readonly enqueueBulk: (
    domain: JobDomain,
    requests: ReadonlyArray<Omit<EnqueueRequest, "domain">>
  ) => Effect.Effect<ReadonlyArray<Enqueued>, EnqueueError | RedisError>
  /**
   * Claims up to `max` ready jobs for a worker; each starts with a lease and its started event.
   * `lane` picks which of the domain's batched call streams carries the claim (see `changes`).
   */
  readonly claim: (domain: JobDomain, max: number, workerId: string, lane?: number) => Effect.Effect<Claimed, RedisError>
  /**
   * The change poster of a domain: queues a fenced change of a running job for the next batched
   * call and returns at once; the Deferred completes with false when that execution no longer
   * owns the job. Changes apply in the order posted. Looked up once per worker.
   * Each lane of a domain is its own stream of batched calls, one call on the wire at a time, so
   * a worker with several lanes keeps Redis busy with one lane's call while it runs another's jobs.
   */
  readonly changes: (domain: JobDomain, lane?: number) => Effect.Effect<PostChange>
  /** Renews leases; returns the ids whose lease was lost to another execution and those asked to cancel. */
  readonly extendLeases: (
    domain: JobDomain,
    running: ReadonlyArray<{ readonly jobId: string; readonly executionId: string }>
  ) => Effect.Effect<LeaseRenewal, RedisError>
  /** Requeues (or dead-letters, or fails if cancelled) jobs whose lease expired. */
  readonly recoverExpired: (domain: JobDomain) => Effect.Effect<Recovered, RedisError>
  /**
   * A waiter on its own connection: waits until the wait list has a job or `timeoutMs` passes;
   * true when it has one. A claim that came back short says when a delayed job is due, so the
   * caller shortens the timeout to that (see Claimed) and the waiter asks Redis nothing else.
   */
  readonly makeWaiter: (domain: JobDomain) => Effect.Effect<(timeoutMs: number) => Effect.Effect<boolean, RedisError>, RedisError, Scope.Scope>
  readonly counts: (domain: JobDomain) => Effect.Effect<QueueCounts, RedisError>
}>()("jobs/JobQueue") {
  static readonly layer = Layer.effect(JobQueue, Effect.gen(function*() {
    const redis = yield* RedisClient
    const settings = yield* RuntimeConfig

    // Per-request and per-call steps are made once (Effect.fnUntraced): see Worker.ts on why.
    const encodeJob = Effect.fnUntraced(function*(request: Omit<EnqueueRequest, "domain">, traceparent: string) {
      const jobId = request.jobId ?? randomUUID()
      if (!jobIdPattern.test(jobId)) {
        return yield* new EnqueueError({ jobId, message: `invalid job id "${jobId}": use 1-128 letters, digits, _ . : - (starting with a letter or digit)` })
      }
      // Checked at run time too: callers outside TypeScript's reach (JSON, the Promise client) can pass anything.
      if (typeof request.userId !== "bigint" || !isUserIdInRange(request.userId)) {
        return yield* new EnqueueError({ jobId, message: `invalid user id ${String(request.userId)}: expected an integer in ${userIdRangeText}` })
      }
      const payload = JSON.stringify(request.payload)
      if (payload === undefined) return yield* new EnqueueError({ jobId, message: "payload is not JSON-serialisable" })
      const size = Buffer.byteLength(payload)
      if (size > settings.maxPayloadBytes) {
        return yield* new EnqueueError({ jobId, message: `payload is ${size} bytes, over the ${settings.maxPayloadBytes}-byte limit` })
      }
      const maxAttempts = request.maxAttempts ?? settings.defaultMaxAttempts
      const backoffMs = request.backoffMs ?? settings.defaultBackoffMs
      if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
        return yield* new EnqueueError({ jobId, message: `max attempts must be a positive integer, got ${maxAttempts}` })
      }
      if (!Number.isFinite(backoffMs) || backoffMs < 0) {
        return yield* new EnqueueError({ jobId, message: `backoff must be a non-negative number of milliseconds, got ${backoffMs}` })
      }
      const runAt = request.runAt ?? 0
      // Beyond ±8.64e15 ms no Date exists, and its decimal text is written as is into the record.
      if (!Number.isFinite(runAt) || Math.abs(runAt) > 8.64e15) return yield* new EnqueueError({ jobId, message: "run-at time is not a valid time" })
      const retryOn = request.retryOn ?? ["system"]
      if (request.traceparent !== undefined && parseTraceParent(request.traceparent) === undefined) {
        return yield* new EnqueueError({ jobId, message: `invalid traceparent "${request.traceparent}": expected 00-<32 hex>-<16 hex>-<2 hex>` })
      }
      const correlationId = request.correlationId ?? randomUUID()
      if (!correlationIdPattern.test(correlationId)) {
        return yield* new EnqueueError({ jobId, message: `invalid correlation id "${correlationId.slice(0, 64)}": use 1-200 characters, no control characters` })
      }
      if (request.parentJobId !== undefined && !jobIdPattern.test(request.parentJobId)) {
        return yield* new EnqueueError({ jobId, message: `invalid parent job id "${request.parentJobId.slice(0, 64)}"` })
      }
      return [
        jobId, String(request.userId), payload, String(Math.floor(runAt)), String(maxAttempts),
        String(Math.floor(backoffMs)), retryOn.join(","), request.traceparent ?? traceparent, correlationId, request.parentJobId ?? ""
      ] as const
    })

    const enqueueBulk = Effect.fnUntraced(function*(domain: JobDomain, requests: ReadonlyArray<Omit<EnqueueRequest, "domain">>) {
      if (requests.length === 0) return []
      const traceparent = yield* currentTraceParent
      const encoded = yield* Effect.forEach(requests, (request) => encodeJob(request, traceparent))
      const keys = queueKeys(domain)
      const createdAt = yield* nowIso
      const reply = yield* redis.eval(scripts.enqueue, [keys.wait, keys.delayed], [
        jobKeyPrefix(domain), createdAt, String(encoded.length), ...encoded.flat()
      ])
      const flags = replyArray(reply)
      if (flags === undefined || flags.length !== encoded.length) return yield* unexpected("enqueue", reply)
      return encoded.map(([jobId], i) => ({ jobId, added: flags[i] === 1 }))
    })

    // Changes and claims of each domain go out batched, one script call per round trip.
    // Made on first use and kept for the layer's lifetime (two made at once would both be correct).
    const layerScope = yield* Effect.scope
    const batchers = new Map<string, ChangeBatcher>()
    const batcher = (domain: JobDomain, lane = 0): Effect.Effect<ChangeBatcher> =>
      Effect.suspend(() => {
        const key = `${domain}/${lane}`
        const found = batchers.get(key)
        if (found !== undefined) return Effect.succeed(found)
        return makeChangeBatcher(domain, scripts.apply).pipe(
          Effect.tap((made) => Effect.sync(() => batchers.set(key, made))),
          Scope.provide(layerScope),
          Effect.provideService(RedisClient, redis),
          Effect.provideService(RuntimeConfig, settings)
        )
      })

    const extendLeases = (domain: JobDomain, running: ReadonlyArray<{ readonly jobId: string; readonly executionId: string }>) =>
      running.length === 0 ? Effect.succeed({ lost: [], cancelRequested: [] }) : redis.eval(scripts.extend, [queueKeys(domain).active], [
        jobKeyPrefix(domain), String(settings.leaseMs), ...running.flatMap((r) => [r.jobId, r.executionId])
      ]).pipe(Effect.map((reply): LeaseRenewal => {
        const parts = replyArray(reply)
        return {
          lost: (replyArray(parts?.[0] ?? null) ?? []).map(String),
          cancelRequested: (replyArray(parts?.[1] ?? null) ?? []).map(String)
        }
      }))

    const recoverExpired = (domain: JobDomain) =>
      Effect.gen(function*() {
        const keys = queueKeys(domain)
        const reply = yield* redis.eval(scripts.recover, [keys.active, keys.wait, keys.dead, eventsLogKey(domain)], [
          jobKeyPrefix(domain), domain, defaultEventsChannel(domain), String(settings.eventsMaxLen), "100", yield* nowIso,
          String(settings.retentionMs)
        ])
        const parts = replyArray(reply)
        const ids = (index: number) => (replyArray(parts?.[index] ?? null) ?? []).map(String)
        return { requeued: ids(0), dead: ids(1), cancelled: ids(2), problems: ids(3) }
      })

    const makeWaiter = (domain: JobDomain) =>
      Effect.map(redis.reserve, (connection) =>
        Effect.fnUntraced(function*(timeoutMs: number) {
          const wait = queueKeys(domain).wait
          // Rotating the list onto itself blocks until it is non-empty and leaves it unchanged.
          const moved = yield* connection.send("BLMOVE", wait, wait, "RIGHT", "RIGHT", (Math.max(timeoutMs, 10) / 1000).toFixed(3))
          return moved !== null
        }))

    const counts = (domain: JobDomain) =>
      Effect.gen(function*() {
        const keys = queueKeys(domain)
        const replies = yield* redis.pipeline([
          ["LLEN", keys.wait], ["ZCARD", keys.active], ["ZCARD", keys.delayed], ["ZCARD", keys.dead], ["LLEN", keys.invalid]
        ])
        const [waiting, active, delayed, dead, invalid] = replies.map((r) => replyNumber(r) ?? 0)
        return { waiting: waiting ?? 0, active: active ?? 0, delayed: delayed ?? 0, dead: dead ?? 0, invalid: invalid ?? 0 }
      })

    return JobQueue.of({
      enqueue: (request) =>
        enqueueBulk(request.domain, [request]).pipe(
          Effect.flatMap((results) => results[0] === undefined ? Effect.die("enqueue returned no result") : Effect.succeed(results[0]))
        ),
      enqueueBulk,
      claim: (domain, max, workerId, lane) => Effect.flatMap(batcher(domain, lane), (b) => b.claim(workerId, max)),
      changes: (domain, lane) => Effect.map(batcher(domain, lane), (b) => b.postUnsafe),
      extendLeases,
      recoverExpired,
      makeWaiter,
      counts
    })
  }))
}
