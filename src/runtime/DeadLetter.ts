/**
 * The dead letter: jobs that ran out of attempts stay in `{domain}:queue:dead` with their
 * record (last error, attempts) and do not expire. They can be listed, inspected and
 * re-enqueued from their first attempt; `retryJob` does the same for any failed job.
 */
import { Effect, Option, Result, Schema } from "effect"
import type { ContractError } from "../contracts/ContractError.js"
import type { JobDomain } from "../contracts/JobDomain.js"
import { eventsLogKey, jobKey, queueKeys } from "../contracts/Keys.js"
import { defaultEventsChannel } from "../contracts/LifecycleEvents.js"
import { jobNotFound, type JobNotFound } from "./Cancellation.js"
import { type JobRecord, JobStore } from "./JobStore.js"
import { RedisClient } from "../redis/RedisClient.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import { loadLuaScript } from "../redis/LuaScript.js"
import { RedisError } from "../redis/RedisError.js"
import { replyArray, replyNumber, replyString } from "../redis/RedisReply.js"
import { nowTimestamp } from "../contracts/Timestamps.js"

const requeueScript = loadLuaScript(import.meta.url, "requeue-4.lua")

export class RequeueRefused extends Schema.TaggedError<RequeueRefused>()("RequeueRefused", {
  jobId: Schema.String,
  status: Schema.String,
  message: Schema.String
}) {}

export interface DeadLetterEntry {
  readonly jobId: string
  /** When it ran out of attempts (epoch ms). */
  readonly deadAt: number
  readonly attempt: number
  readonly maxAttempts: number
  readonly errorKind: string | null
  readonly lastError: string | null
}

export interface DeadLetterJob {
  readonly record: JobRecord
  /** When it ran out of attempts; None when the job is not in the dead letter. */
  readonly deadAt: Option.Option<number>
}

/** A dead-letter entry whose record cannot be read (written over with another type, say). */
export interface UnreadableDeadLetterEntry {
  readonly jobId: string
  readonly reason: string
}

export interface DeadLetterListing {
  readonly entries: ReadonlyArray<DeadLetterEntry>
  /** Skipped entries, so one bad record does not hide the others. */
  readonly unreadable: ReadonlyArray<UnreadableDeadLetterEntry>
}

const field = (value: string | undefined): string | null => (value === undefined || value === "" ? null : value)

/** Dead-lettered jobs, oldest first. Entries whose record cannot be read are left out (see listDeadLetterReport). */
export const listDeadLetter = (
  domain: JobDomain,
  options: { readonly offset?: number; readonly limit?: number } = {}
): Effect.Effect<ReadonlyArray<DeadLetterEntry>, RedisError, RedisClient> =>
  Effect.map(listDeadLetterReport(domain, options), (listing) => listing.entries)

/** Dead-lettered jobs, oldest first, and the entries skipped because their record is unreadable. */
export const listDeadLetterReport = (
  domain: JobDomain,
  options: { readonly offset?: number; readonly limit?: number } = {}
): Effect.Effect<DeadLetterListing, RedisError, RedisClient> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const offset = Math.max(0, Math.floor(options.offset ?? 0))
    const limit = Math.max(1, Math.floor(options.limit ?? 100))
    const flat = replyArray(yield* redis.send("ZRANGE", queueKeys(domain).dead, String(offset), String(offset + limit - 1), "WITHSCORES")) ?? []
    const ids: Array<readonly [string, number]> = []
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = replyString(flat[i] ?? null)
      if (id !== undefined) ids.push([id, replyNumber(flat[i + 1] ?? null) ?? 0])
    }
    if (ids.length === 0) return { entries: [], unreadable: [] }
    const read = (id: string) => ["HMGET", jobKey(domain, id), "attempt", "max_attempts", "error_kind", "last_error"] as const
    // One pipeline; a pipeline fails whole on one bad record, so only then is each read on its own.
    const replies = yield* redis.pipeline(ids.map(([id]) => read(id))).pipe(
      Effect.map((all) => all.map((reply) => Result.succeed(reply))),
      Effect.catch(() => Effect.forEach(ids, ([id]) => Effect.result(redis.send(...read(id)))))
    )
    const entries: Array<DeadLetterEntry> = []
    const unreadable: Array<UnreadableDeadLetterEntry> = []
    ids.forEach(([jobId, deadAt], i) => {
      const reply = replies[i]
      if (reply === undefined || Result.isFailure(reply)) {
        const reason = reply === undefined ? "no reply" : reply.failure.message
        unreadable.push({ jobId, reason: `record at ${jobKey(domain, jobId)} cannot be read: ${reason}` })
        return
      }
      const [attempt, maxAttempts, errorKind, lastError] = (replyArray(reply.success) ?? []).map((r) => replyString(r))
      entries.push({
        jobId,
        deadAt,
        attempt: Number(attempt ?? 0) || 0,
        maxAttempts: Number(maxAttempts ?? 1) || 1,
        errorKind: field(errorKind),
        lastError: field(lastError)
      })
    })
    return { entries, unreadable }
  })

/** One job's record and whether it is in the dead letter. */
export const showDeadLetter = (
  domain: JobDomain,
  jobId: string
): Effect.Effect<DeadLetterJob, JobNotFound | ContractError | RedisError, RedisClient | JobStore> =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const store = yield* JobStore
    const record = yield* store.loadRecord(domain, jobId)
    if (Option.isNone(record)) return yield* jobNotFound(domain, jobId)
    const score = replyNumber(yield* redis.send("ZSCORE", queueKeys(domain).dead, jobId))
    return { record: record.value, deadAt: Option.fromNullishOr(score) }
  })

const requeue = (domain: JobDomain, jobId: string, mode: "dead" | "failed", message: string) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const settings = yield* RuntimeConfig
    const keys = queueKeys(domain)
    const reply = yield* redis.eval(requeueScript, [jobKey(domain, jobId), keys.dead, keys.wait, eventsLogKey(domain)], [
      jobId, domain, defaultEventsChannel(domain), String(settings.eventsMaxLen),
      nowTimestamp(), mode, message
    ])
    const [outcome, status = ""] = (replyArray(reply) ?? []).map((r) => replyString(r) ?? "")
    switch (outcome) {
      case "requeued":
        return
      case "missing":
        return yield* jobNotFound(domain, jobId)
      case "not-dead":
        return yield* new RequeueRefused({ jobId, status, message: `job ${jobId} is not in the dead letter (status ${status})` })
      case "not-failed":
        return yield* new RequeueRefused({ jobId, status, message: `job ${jobId} is ${status}, not failed; only failed jobs run again` })
    }
    return yield* new RedisError({ op: "requeue", message: `requeue script returned an unexpected reply: ${JSON.stringify(reply)}` })
  })

/** Puts a dead-lettered job back on the queue with its attempts reset. */
export const requeueDeadLetter = (domain: JobDomain, jobId: string) =>
  requeue(domain, jobId, "dead", "requeued from dead letter")

/** Runs any failed job again (dead-lettered, a user error, a cancellation) from its first attempt. */
export const retryJob = (domain: JobDomain, jobId: string) =>
  requeue(domain, jobId, "failed", "retry requested")
