/**
 * Fault scenarios where Redis stays up but refuses work: OOM (`maxmemory` just above the memory in
 * use, `noeviction`) and BUSY (another client's script running past `busy-reply-threshold`).
 * Each ends with the fault lifted and a fresh batch of jobs, which every worker must claim from:
 * a worker that stopped claiming during the fault would leave its share to the others. Jobs publish
 * two progress updates, so a finished job's last call carries progress as well as its outcome.
 */
import { Effect, Fiber } from "effect"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { replyString } from "../../src/redis/RedisReply.js"
import {
  awaitFinished, makeTally, type ScenarioResult, sleep, summarize, type Tally, withRedisServer, type WorkerPool, workerPool
} from "./ChaosHarness.js"
import { enqueueSleepers } from "./ChaosScenarios.js"

export interface RefusalOptions {
  readonly jobs: number
  readonly workers: number
  readonly concurrency: number
  readonly jobMs: number
  /** How long Redis refuses: OOM for this long, or BUSY replies for about this long. */
  readonly faultMs: number
  /** Jobs enqueued after the fault is lifted, to see every worker claim again. */
  readonly afterJobs: number
  /** Workers' lease (default 1 s): a BUSY Redis answers nothing, renewals included. */
  readonly leaseMs?: number
}

export interface RefusalResult extends ScenarioResult {
  readonly deadLettered: number
  readonly failed: number
  /** Workers that claimed at least one of the jobs enqueued after the fault. */
  readonly claimingAfter: number
  /** Refused calls the workers logged (the fault was real). */
  readonly refusals: number
  /** OOM only: jobs that left the wait list while Redis refused writes (claims refused up front: 0). */
  readonly claimedDuringFault: number | undefined
}

const send = (...args: [string, ...Array<string>]) =>
  Effect.flatMap(RedisClient, (redis) => redis.send(...args))

const infoField = (section: string, name: string) =>
  send("INFO", section).pipe(Effect.orDie, Effect.map((reply) =>
    Number(new RegExp(`^${name}:(\\d+)`, "m").exec(replyString(reply) ?? "")?.[1] ?? "0")))

const untilCompleted = (tally: Tally, count: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 3000; i++) {
      yield* tally.refresh
      if (tally.completions.size >= count) return
      yield* sleep(20)
    }
  })

/** The common run: workers up, jobs enqueued, the fault once a third are done, a batch after it. */
const refusalRun = (
  name: string,
  entry: string,
  o: RefusalOptions,
  fault: (pool: WorkerPool) => Effect.Effect<{ readonly notes: string; readonly claimed?: number }, never, RedisClient>,
  pattern: RegExp
): Effect.Effect<RefusalResult> =>
  withRedisServer([], (server) =>
    Effect.gen(function*() {
      const pool = yield* workerPool(entry, server, o.workers, o.concurrency, o.leaseMs)
      yield* pool.ready
      const tally = makeTally()
      const started = Date.now()
      const ids = yield* enqueueSleepers(o.jobs, o.jobMs, name.replace(/\W+/g, "-"), 2)
      yield* untilCompleted(tally, Math.floor(ids.length / 3))
      const faulted = yield* fault(pool)
      const after = yield* enqueueSleepers(o.afterJobs, o.jobMs, "after", 2)
      yield* awaitFinished(tally, [...ids, ...after], 120_000)
      const workersAfter = new Set<string>()
      for (const id of after) {
        const worker = replyString(yield* send("HGET", `qr:job:${id}`, "worker").pipe(Effect.orDie))
        if (worker !== undefined) workersAfter.add(worker)
      }
      const deadLettered = Number(yield* send("ZCARD", "qr:queue:dead").pipe(Effect.orDie))
      const failed = [...ids, ...after].filter((id) => tally.failures.has(id)).length
      const refusals = pool.all().reduce((n, w) => n + (w.output().match(pattern) ?? []).length, 0)
      const crashed = pool.crashed()
      const result = summarize(name, [...ids, ...after], tally, 1, started,
        `${faulted.notes}, ${refusals} refusals logged, ${deadLettered} dead-lettered, ${failed} failed, ` +
        `${workersAfter.size}/${o.workers} workers claiming after, ${tally.leaseRecoveries()} lease recoveries` +
        (crashed.length === 0 ? "" : `; ${crashed.length} worker(s) crashed: ${crashed[0]?.output().slice(-800)}`))
      return { ...result, deadLettered, failed, claimingAfter: workersAfter.size, refusals, claimedDuringFault: faulted.claimed }
    }))

/** Redis over `maxmemory` with `noeviction` for `faultMs` (set just above the memory in use, held below it once a write is refused), then the limit lifted. */
export const redisOom = (entry: string, o: RefusalOptions): Effect.Effect<RefusalResult> =>
  refusalRun("redis OOM", entry, o, () =>
    Effect.gen(function*() {
      yield* send("CONFIG", "SET", "maxmemory-policy", "noeviction").pipe(Effect.orDie)
      const used = yield* infoField("memory", "used_memory")
      yield* send("CONFIG", "SET", "maxmemory", String(used + 64 * 1024)).pipe(Effect.orDie)
      // In force once a write of ours is refused too; forced below the use if it takes too long.
      for (let i = 0; ; i++) {
        const probe = yield* Effect.result(send("SET", "qr:chaos:oom-probe", String(i)))
        if (probe._tag === "Failure" && probe.failure.message.includes("OOM")) break
        if (i === 100) yield* send("CONFIG", "SET", "maxmemory", String(yield* infoField("memory", "used_memory"))).pipe(Effect.orDie)
        yield* sleep(20)
      }
      // Held there: memory in use falls as client buffers drain, and "just above" would let a
      // call through now and then; the scenario is about a steady refusal.
      const pinned = Math.floor((yield* infoField("memory", "used_memory")) * 0.9)
      yield* send("CONFIG", "SET", "maxmemory", String(pinned)).pipe(Effect.orDie)
      const waitingBefore = Number(yield* send("LLEN", "qr:queue:wait").pipe(Effect.orDie))
      yield* sleep(o.faultMs)
      const waitingAfter = Number(yield* send("LLEN", "qr:queue:wait").pipe(Effect.orDie))
      yield* send("CONFIG", "SET", "maxmemory", "0").pipe(Effect.orDie)
      return {
        notes: `wait list ${waitingBefore} -> ${waitingAfter} during ${(o.faultMs / 1000).toFixed(0)} s of OOM`,
        claimed: waitingBefore - waitingAfter
      }
    }), /OOM command not allowed/g)

/** Another client's busy script for about `faultMs` (BUSY replies after 100 ms), then SCRIPT KILL. */
export const redisBusy = (entry: string, o: RefusalOptions): Effect.Effect<RefusalResult> =>
  refusalRun("redis BUSY", entry, o, () =>
    Effect.scoped(Effect.gen(function*() {
      const redis = yield* RedisClient
      yield* redis.send("CONFIG", "SET", "busy-reply-threshold", "100").pipe(Effect.orDie)
      const other = yield* redis.reserve.pipe(Effect.orDie)
      const t0 = Date.now()
      const busy = yield* Effect.forkChild(Effect.result(other.send("EVAL", "local i = 0 while true do i = i + 1 end", "0")))
      yield* sleep(o.faultMs)
      yield* redis.send("SCRIPT", "KILL").pipe(Effect.orDie)
      const ended = yield* Fiber.join(busy)
      const message = ended._tag === "Failure" ? ended.failure.message : "script returned"
      return { notes: `busy script killed after ${Date.now() - t0} ms (${message.includes("killed") ? "killed" : message})` }
    })), /BUSY Redis is busy/g)
