/**
 * The five fault scenarios, parameterised by size so the test suite runs them small and
 * bench/chaos.ts runs them large. Each starts its own redis-server and worker processes.
 */
import { Effect, Fiber, Queue } from "effect"
import { cancelJob } from "../../src/runtime/Cancellation.js"
import { JobQueue } from "../../src/runtime/JobQueue.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { replyArray, replyNumber, replyString } from "../../src/redis/RedisReply.js"
import { finalizedKey } from "./ChaosJob.js"
import {
  awaitFinished, makeTally, type ScenarioResult, sleep, summarize, withRedisServer, workerPool
} from "./ChaosHarness.js"

export interface StormOptions {
  readonly jobs: number
  readonly workers: number
  readonly concurrency: number
  readonly killEveryMs: number
  /** Jobs are enqueued at an even rate over this long, so kills always hit running jobs. */
  readonly produceMs: number
  /** The storm stops after this long even if jobs remain; the rest then finish without faults. */
  readonly stormMs: number
  readonly jobMs: number
}

/** `progress`: progress updates each job publishes before it sleeps (see ChaosJob). */
export const enqueueSleepers = (count: number, ms: number, prefix: string, progress = 0) =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    const ids: Array<string> = []
    for (let offset = 0; offset < count; offset += 500) {
      const batch = Array.from({ length: Math.min(500, count - offset) }, (_, i) => ({
        jobId: `${prefix}-${offset + i}`, userId: 1n, payload: { kind: "sleep", ms, ...(progress > 0 ? { progress } : {}) }, maxAttempts: 100
      }))
      const added = yield* queue.enqueueBulk("qr", batch).pipe(Effect.orDie)
      ids.push(...added.map((a) => a.jobId))
    }
    return ids
  })

const crashReport = (crashed: ReadonlyArray<{ readonly output: () => string }>) =>
  crashed.length === 0 ? "" : `; ${crashed.length} worker(s) crashed: ${crashed[0]?.output().slice(-800)}`

/** 1. `kill -9` a random worker every `killEveryMs` and restart it. */
export const killStorm = (entry: string, o: StormOptions): Effect.Effect<ScenarioResult> =>
  withRedisServer([], (server) =>
    Effect.gen(function*() {
      const pool = yield* workerPool(entry, server, o.workers, o.concurrency)
      yield* pool.ready
      const tally = makeTally()
      const started = Date.now()
      let faults = 0
      const storm = yield* Effect.forkChild(Effect.forever(sleep(o.killEveryMs).pipe(
        Effect.andThen(Effect.sync(() => { if (pool.killRandom()) faults++ }))
      )))
      const ids: Array<string> = []
      const batches = Math.max(1, Math.round(o.produceMs / 100))
      for (let b = 0; b < batches; b++) {
        const size = Math.floor(((b + 1) * o.jobs) / batches) - Math.floor((b * o.jobs) / batches)
        ids.push(...(yield* enqueueSleepers(size, o.jobMs, `storm-${b}`)))
        yield* sleep(100)
      }
      yield* awaitFinished(tally, ids, Math.max(0, o.stormMs - (Date.now() - started)))
      yield* Fiber.interrupt(storm)
      yield* awaitFinished(tally, ids, 30_000)
      return summarize("kill storm", ids, tally, faults, started,
        `${tally.leaseRecoveries()} lease recoveries${crashReport(pool.crashed())}`)
    }))

export interface RunOptions {
  readonly jobs: number
  readonly workers: number
  readonly concurrency: number
  readonly jobMs: number
}

/** 2. redis-server with appendonly (fsync always) is killed and restarted mid-run. */
export const redisRestart = (entry: string, o: RunOptions): Effect.Effect<ScenarioResult> =>
  withRedisServer(["--appendonly", "yes", "--appendfsync", "always"], (server) =>
    Effect.gen(function*() {
      const pool = yield* workerPool(entry, server, o.workers, o.concurrency)
      yield* pool.ready
      const tally = makeTally()
      const started = Date.now()
      const ids = yield* enqueueSleepers(o.jobs, o.jobMs, "restart")
      yield* Effect.gen(function*() {
        for (;;) {
          yield* tally.refresh
          if (tally.completions.size >= ids.length / 3) return
          yield* sleep(20)
        }
      })
      yield* Effect.promise(() => server.stop(true))
      yield* sleep(500)
      yield* Effect.promise(() => server.restart())
      yield* awaitFinished(tally, ids, 60_000)
      return summarize("redis restart", ids, tally, 1, started,
        `${tally.leaseRecoveries()} lease recoveries${crashReport(pool.crashed())}`)
    }))

/** 3. redis-server is stopped with SIGSTOP for `stallMs`, then continued. */
export const redisStall = (entry: string, o: RunOptions & { readonly stallMs: number }): Effect.Effect<ScenarioResult> =>
  withRedisServer([], (server) =>
    Effect.gen(function*() {
      const pool = yield* workerPool(entry, server, o.workers, o.concurrency)
      yield* pool.ready
      const tally = makeTally()
      const started = Date.now()
      const ids = yield* enqueueSleepers(o.jobs, o.jobMs, "stall")
      yield* sleep(300)
      server.process.kill("SIGSTOP")
      yield* sleep(o.stallMs)
      server.process.kill("SIGCONT")
      yield* awaitFinished(tally, ids, 60_000)
      const alive = pool.all().filter((w) => !w.hasExited()).length
      return summarize("redis stall", ids, tally, 1, started,
        `${alive}/${o.workers} workers alive, ${tally.leaseRecoveries()} lease recoveries${crashReport(pool.crashed())}`)
    }))

export interface CancelResult extends ScenarioResult {
  readonly latenciesMs: ReadonlyArray<number>
  readonly finalized: number
  readonly cancelledFailures: number
}

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0
}

/**
 * 4. Cancel running jobs from this (another) process; time from the call to the failed event.
 * Leases are 30 s here, so the heartbeat fallback (every 10 s) cannot be what stops them.
 */
export const cancelRunning = (entry: string, o: { readonly jobs: number; readonly workers: number }): Effect.Effect<CancelResult> =>
  withRedisServer([], (server) =>
    Effect.gen(function*() {
      const concurrency = Math.ceil(o.jobs / o.workers) + 1
      const pool = yield* workerPool(entry, server, o.workers, concurrency, 30_000)
      yield* pool.ready
      const redis = yield* RedisClient
      const events = yield* redis.subscribe("qr:events").pipe(Effect.orDie)
      const queue = yield* JobQueue
      const started = Date.now()
      const added = yield* queue.enqueueBulk("qr", Array.from({ length: o.jobs }, (_, i) => ({
        jobId: `cancel-${i}`, userId: 1n, payload: { kind: "hang" }
      }))).pipe(Effect.orDie)
      const ids = added.map((a) => a.jobId)
      for (let i = 0; i < 600; i++) {
        if (replyNumber(yield* redis.send("ZCARD", "qr:queue:active").pipe(Effect.orDie)) === ids.length) break
        yield* sleep(50)
      }
      // Let every claimed job's fiber start before it is cancelled.
      yield* sleep(300)
      yield* Queue.clear(events)
      const latenciesMs: Array<number> = []
      for (const id of ids) {
        const t0 = performance.now()
        yield* cancelJob("qr", id).pipe(Effect.orDie)
        for (;;) {
          const message = yield* Queue.take(events)
          if (message.message.includes(`"job_id":"${id}"`) && message.message.includes(".job.failed.v1")) break
        }
        latenciesMs.push(performance.now() - t0)
      }
      const finalized = new Set((replyArray(yield* redis.send("LRANGE", finalizedKey, "0", "-1").pipe(Effect.orDie)) ?? []).map(String))
      const tally = makeTally()
      yield* tally.refresh
      const cancelledFailures = ids.filter((id) => (tally.failures.get(id) ?? "").startsWith("cancelled")).length
      const base = summarize("cancel running", ids, tally, ids.length, started,
        `p50 ${percentile(latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(latenciesMs, 99).toFixed(1)} ms, ` +
        `${ids.filter((id) => finalized.has(id)).length}/${ids.length} finalizers ran`)
      // Cancelled jobs are meant to end failed; "lost" here counts jobs that did not.
      return {
        ...base,
        completed: 0,
        lost: ids.length - cancelledFailures,
        latenciesMs,
        finalized: ids.filter((id) => finalized.has(id)).length,
        cancelledFailures
      }
    }))

export interface BadInputResult extends ScenarioResult {
  readonly invalidEntries: ReadonlyArray<string>
  readonly workerOutput: string
  readonly crashed: number
}

/** 5. Garbage records and queue entries written by hand among good jobs. */
export const badInput = (entry: string, o: { readonly jobs: number; readonly workers: number }): Effect.Effect<BadInputResult> =>
  withRedisServer([], (server) =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      const send = (...args: [string, ...Array<string>]) => redis.send(...args).pipe(Effect.orDie)
      const pool = yield* workerPool(entry, server, o.workers, 4)
      yield* pool.ready
      const started = Date.now()
      yield* send("SET", "qr:job:stringy", "not a hash")
      yield* send("HSET", "qr:job:weird", "status", "banana", "user_id", "1", "payload", "{}")
      yield* send("HSET", "qr:job:nopayload", "status", "queued", "user_id", "1")
      yield* send("HSET", "qr:job:badattempt", "status", "queued", "user_id", "1", "payload", "{}", "attempt", "x")
      yield* send("HSET", "qr:job:notjson", "job_id", "notjson", "status", "queued", "user_id", "1", "progress", "0",
        "payload", "{{{", "created_at", "2026-01-01T00:00:00Z", "updated_at", "2026-01-01T00:00:00Z")
      yield* send("LPUSH", "qr:queue:wait", "ghost", "stringy", "weird", "nopayload", "badattempt", "notjson", "\u0000\u00ff")
      yield* send("SET", "qr:queue:delayed", "garbage")
      // Enqueue refuses while a queue key has the wrong type (nothing is written half-way), so the good
      // jobs go in once a worker's claim has set the garbage aside, as a producer retrying would.
      for (let i = 0; i < 500 && replyString(yield* send("TYPE", "qr:queue:delayed")) === "string"; i++) {
        yield* Effect.sleep("20 millis")
      }
      const tally = makeTally()
      const ids = yield* enqueueSleepers(o.jobs, 5, "good")
      yield* awaitFinished(tally, [...ids, "notjson"], 30_000)
      const invalidEntries = (replyArray(yield* send("LRANGE", "qr:queue:invalid", "0", "-1")) ?? []).map(String)
      const result = summarize("bad input", ids, tally, 8, started,
        `${invalidEntries.length} entries set aside, notjson: ${tally.failures.get("notjson") ?? "not failed"}`)
      return {
        ...result,
        invalidEntries,
        workerOutput: pool.all().map((w) => w.output()).join("\n"),
        crashed: pool.crashed().length
      }
    }))
