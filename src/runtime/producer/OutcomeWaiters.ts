/**
 * Waiting for job outcomes without polling. Each domain that has waiters gets one fiber that
 * reads `{domain}:events:log` with XREAD BLOCK on its own connection, from the log's end as it
 * was before the first waiter registered; a completed or failed event of a waited job makes it
 * read that job's record and answer every waiter of that job. Any number of waiters share the
 * one connection.
 *
 * Why it misses nothing: a waiter registers, then reads the record. The script that ends a job
 * writes the record and appends the event at once, so the end is either already in the record
 * or in the log after the position the tail reads from. After a reconnect, and whenever a read
 * comes back empty, the tail reads the records of its waiters again, which covers events trimmed
 * from the capped log or missed while the connection was down.
 */
import { Deferred, Duration, Effect, Option, type Scope } from "effect"
import type { ContractError } from "../../contracts/ContractError.js"
import type { JobDomain } from "../../contracts/JobDomain.js"
import { eventsLogKey } from "../../contracts/Keys.js"
import { type JobNotFound, jobNotFound } from "../Cancellation.js"
import { type JobOutcome, outcomeOfRecord, OutcomeTimeout } from "../JobOutcome.js"
import { streamEntries } from "../EventBus.js"
import { JobStore } from "../JobStore.js"
import { RedisClient, type RedisConnection } from "../../redis/RedisClient.js"
import type { RedisError } from "../../redis/RedisError.js"
import { type RedisReply, replyArray, replyString } from "../../redis/RedisReply.js"

type WaitError = JobNotFound | ContractError | RedisError
type Waiter = Deferred.Deferred<JobOutcome, WaitError>

interface Tail {
  readonly waiters: Map<string, Set<Waiter>>
  /** Done once the tail knows where the log ended before any waiter registered. */
  readonly ready: Deferred.Deferred<void>
  position: string | undefined
}

/** How long one blocking read waits before the tail re-reads its waiters' records. */
const blockMs = 5_000
const finalType = /\.job\.(completed|failed)\.v1$/

/** `job_id` of a completed or failed lifecycle event, or undefined for anything else. */
const endedJobId = (json: string): string | undefined => {
  try {
    const event: unknown = JSON.parse(json)
    if (typeof event !== "object" || event === null || !("type" in event) || !("job_id" in event)) return undefined
    return typeof event.type === "string" && finalType.test(event.type) && typeof event.job_id === "string" ? event.job_id : undefined
  } catch {
    return undefined
  }
}

/** XREAD's reply -> [id, event json] pairs of the one stream read. */
const readEntries = (reply: RedisReply) => streamEntries(replyArray(replyArray(reply)?.[0] ?? null)?.[1] ?? null)

export interface OutcomeWaiters {
  /** The job's outcome once it has one; fails with JobNotFound when it has no record. */
  readonly await: (domain: JobDomain, jobId: string, timeout: Duration.Input) => Effect.Effect<JobOutcome, WaitError | OutcomeTimeout>
}

/** Waiters for the lifetime of the current scope: tails are forked into it and stop with it. */
export const makeOutcomeWaiters: Effect.Effect<OutcomeWaiters, never, RedisClient | JobStore | Scope.Scope> = Effect.gen(function*() {
  const redis = yield* RedisClient
  const store = yield* JobStore
  const scope = yield* Effect.scope
  const tails = new Map<string, Tail>()

  const settle = (domain: JobDomain, tail: Tail, jobId: string) =>
    Effect.gen(function*() {
      const waiters = tail.waiters.get(jobId)
      if (waiters === undefined) return
      const answer = (exit: Effect.Effect<JobOutcome, WaitError>) =>
        Effect.forEach([...waiters], (waiter) => Deferred.completeWith(waiter, exit), { discard: true }).pipe(
          Effect.andThen(Effect.sync(() => tail.waiters.delete(jobId)))
        )
      const record = yield* Effect.result(store.loadRecord(domain, jobId))
      if (record._tag === "Failure") return yield* answer(Effect.fail(record.failure))
      if (Option.isNone(record.success)) return yield* answer(Effect.fail(jobNotFound(domain, jobId)))
      const outcome = outcomeOfRecord(jobId, record.success.value)
      if (outcome !== undefined) yield* answer(Effect.succeed(outcome))
    })

  const settleAll = (domain: JobDomain, tail: Tail) =>
    Effect.forEach([...tail.waiters.keys()], (jobId) => settle(domain, tail, jobId), { discard: true })

  const lastLogId = (domain: JobDomain) =>
    redis.send("XREVRANGE", eventsLogKey(domain), "+", "-", "COUNT", "1").pipe(
      Effect.map((reply) => replyString(replyArray(replyArray(reply)?.[0] ?? null)?.[0] ?? null) ?? "0-0")
    )

  const readOnce = (domain: JobDomain, tail: Tail, connection: RedisConnection) =>
    Effect.gen(function*() {
      const reply = yield* connection.send(
        "XREAD", "COUNT", "500", "BLOCK", String(blockMs), "STREAMS", eventsLogKey(domain), tail.position ?? "$"
      )
      const entries = readEntries(reply)
      if (entries.length === 0) return yield* settleAll(domain, tail)
      tail.position = entries.at(-1)?.[0] ?? tail.position
      if (tail.waiters.size === 0) return
      for (const [, json] of entries) {
        const jobId = endedJobId(json)
        if (jobId !== undefined && tail.waiters.has(jobId)) yield* settle(domain, tail, jobId)
      }
    })

  // One run reads until its connection fails; the loop around it logs why and starts again.
  const runTail = (domain: JobDomain, tail: Tail) =>
    Effect.gen(function*() {
      if (tail.position === undefined) tail.position = yield* lastLogId(domain)
      yield* Deferred.succeed(tail.ready, undefined)
      const connection = yield* redis.reserve
      yield* settleAll(domain, tail)
      return yield* Effect.forever(readOnce(domain, tail, connection), { disableYield: true })
    }).pipe(
      Effect.scoped,
      Effect.catchCause((cause) =>
        Effect.logWarning("outcome tail stopped; restarting in 1 s", cause).pipe(
          Effect.annotateLogs({ module: "OutcomeWaiters", fiber: "outcome-tail", domain })
        )),
      Effect.andThen(Effect.sleep(Duration.seconds(1))),
      Effect.forever
    )

  const tailOf = (domain: JobDomain): Effect.Effect<Tail> =>
    Effect.suspend(() => {
      const found = tails.get(domain)
      if (found !== undefined) return Effect.succeed(found)
      const tail: Tail = { waiters: new Map(), ready: Deferred.makeUnsafe<void>(), position: undefined }
      tails.set(domain, tail)
      return Effect.forkIn(runTail(domain, tail), scope).pipe(Effect.as(tail))
    })

  const awaitOutcome = (domain: JobDomain, jobId: string) =>
    Effect.gen(function*() {
      const tail = yield* tailOf(domain)
      yield* Deferred.await(tail.ready)
      const waiter = Deferred.makeUnsafe<JobOutcome, WaitError>()
      const waiters = tail.waiters.get(jobId) ?? new Set<Waiter>()
      waiters.add(waiter)
      tail.waiters.set(jobId, waiters)
      const forget = Effect.sync(() => {
        waiters.delete(waiter)
        if (waiters.size === 0 && tail.waiters.get(jobId) === waiters) tail.waiters.delete(jobId)
      })
      return yield* Effect.gen(function*() {
        const record = yield* store.loadRecord(domain, jobId)
        if (Option.isNone(record)) return yield* jobNotFound(domain, jobId)
        const outcome = outcomeOfRecord(jobId, record.value)
        return outcome ?? (yield* Deferred.await(waiter))
      }).pipe(Effect.ensuring(forget))
    })

  return {
    await: (domain, jobId, timeout) =>
      awaitOutcome(domain, jobId).pipe(
        Effect.timeoutOption(timeout),
        Effect.flatMap(Option.match({
          onSome: Effect.succeed,
          onNone: () => {
            const timeoutMs = Duration.toMillis(Duration.fromInputUnsafe(timeout))
            return Effect.fail(new OutcomeTimeout({
              domain, jobId, timeoutMs, message: `job ${jobId} of ${domain} did not end within ${timeoutMs} ms`
            }))
          }
        }))
      )
  }
})
