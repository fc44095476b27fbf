/**
 * What every fault scenario needs: a redis-server, a driver runtime on it, a pool of real
 * worker processes, and a tally of completions read from the event log (`qr:events:log`),
 * which records every lifecycle event in the same script as the state change.
 */
import { rmSync } from "node:fs"
import { Effect, Layer, Redacted, type Scope } from "effect"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../../src/runtime/RuntimeLayer.js"
import { replyArray, replyString } from "../../src/redis/RedisReply.js"
import { type RedisServerHandle, startRedisServer } from "./RedisServer.js"
import { spawnWorker, type WorkerProcess } from "./WorkerProcess.js"

export const chaosLeaseMs = 1_000

export interface ScenarioResult {
  readonly scenario: string
  readonly jobs: number
  readonly faults: number
  readonly completed: number
  readonly lost: number
  readonly completedTwice: number
  readonly ms: number
  /** Scenario-specific figures (cancel latency, recovered leases, ...). */
  readonly notes: string
}

export const sleep = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

/** A redis-server for the scenario, stopped (and its directory removed) when the scope closes. */
export const redisServer = (extraArgs: ReadonlyArray<string> = []): Effect.Effect<RedisServerHandle, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startRedisServer(extraArgs)),
    (server) => Effect.promise(async () => {
      // A server left stopped by a stall scenario must be resumed before it can be killed.
      server.process.kill("SIGCONT")
      await server.stop(true)
      rmSync(server.dir, { recursive: true, force: true })
    })
  )

/** The driver's runtime on the scenario's server (reconnecting, like the workers). */
export const driverLayer = (server: RedisServerHandle): Layer.Layer<RuntimeServices> =>
  runtimeLayer(
    RedisClient.layerIORedis(Redacted.make(server.url)).pipe(Layer.orDie),
    RuntimeConfig.layerWith({ leaseMs: chaosLeaseMs, eventsMaxLen: 1_000_000, retentionMs: 0, defaultBackoffMs: 50 })
  )

/** Runs a scenario against its own redis-server, with the runtime services over it; both end with it. */
export const withRedisServer = <A>(
  extraArgs: ReadonlyArray<string>,
  scenario: (server: RedisServerHandle) => Effect.Effect<A, never, RuntimeServices | Scope.Scope>
): Effect.Effect<A> =>
  Effect.scoped(Effect.flatMap(redisServer(extraArgs), (server) => scenario(server).pipe(Effect.provide(driverLayer(server)))))

export interface WorkerPool {
  readonly all: () => ReadonlyArray<WorkerProcess>
  /** Waits until every worker printed "ready". */
  readonly ready: Effect.Effect<void>
  /** `kill -9`s a random ready worker and starts a replacement; false when none was ready. */
  readonly killRandom: () => boolean
  /** Workers that exited without being killed by the pool. */
  readonly crashed: () => ReadonlyArray<WorkerProcess>
}

export const workerPool = (
  entry: string,
  server: RedisServerHandle,
  count: number,
  concurrency: number,
  leaseMs = chaosLeaseMs
): Effect.Effect<WorkerPool, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const env = {
        REDIS_URL: server.url,
        JOBS_LEASE_MS: String(leaseMs),
        JOBS_EVENTS_MAXLEN: "1000000",
        JOBS_BACKOFF_MS: "50",
        JOBS_RETENTION_MS: "0"
      }
      const slots = Array.from({ length: count }, () => spawnWorker(entry, concurrency, env))
      const killed = new Set<WorkerProcess>()
      const retired: Array<WorkerProcess> = []
      return {
        all: () => slots,
        ready: Effect.promise(() => Promise.all(slots.map((w) => w.ready))).pipe(Effect.asVoid),
        killRandom: () => {
          const candidates = slots.map((w, i) => [w, i] as const).filter(([w]) => w.isReady())
          const pick = candidates[Math.floor(Math.random() * candidates.length)]
          if (pick === undefined) return false
          const [victim, index] = pick
          killed.add(victim)
          victim.kill("SIGKILL")
          retired.push(victim)
          slots[index] = spawnWorker(entry, concurrency, env)
          return true
        },
        crashed: () => [...retired, ...slots].filter((w) => w.hasExited() && !killed.has(w))
      }
    }),
    (pool) => Effect.promise(async () => {
      for (const w of pool.all()) w.kill("SIGKILL")
      await Promise.all(pool.all().map((w) => w.exited))
    })
  )

export interface Tally {
  /** Reads events appended since the last call. */
  readonly refresh: Effect.Effect<void, never, RedisClient>
  readonly completions: ReadonlyMap<string, number>
  readonly failures: ReadonlyMap<string, string>
  /** Progress messages that reported a lease expiry. */
  readonly leaseRecoveries: () => number
}

export const makeTally = (): Tally => {
  const completions = new Map<string, number>()
  const failures = new Map<string, string>()
  let recoveries = 0
  let last = "-"
  const record = (json: string) => {
    const event: unknown = JSON.parse(json)
    if (typeof event !== "object" || event === null) return
    const type = String(Reflect.get(event, "type") ?? "")
    const jobId = String(Reflect.get(event, "job_id") ?? "")
    const message = String(Reflect.get(event, "message") ?? "")
    if (type.endsWith(".job.completed.v1")) completions.set(jobId, (completions.get(jobId) ?? 0) + 1)
    if (type.endsWith(".job.failed.v1")) failures.set(jobId, message)
    if (type.endsWith(".job.progress.v1") && message.startsWith("lease expired")) recoveries++
  }
  const refresh = Effect.gen(function*() {
    const redis = yield* RedisClient
    for (;;) {
      const start = last === "-" ? "-" : `(${last}`
      const reply = yield* redis.send("XRANGE", "qr:events:log", start, "+", "COUNT", "5000").pipe(Effect.orDie)
      const entries = replyArray(reply) ?? []
      for (const entry of entries) {
        const [id, fields] = replyArray(entry) ?? []
        const flat = replyArray(fields ?? null) ?? []
        const json = replyString(flat[1] ?? null)
        if (json !== undefined) record(json)
        last = replyString(id ?? null) ?? last
      }
      if (entries.length < 5000) return
    }
  })
  return { refresh, completions, failures, leaseRecoveries: () => recoveries }
}

/** Refreshes the tally until every id completed (or failed) or the deadline passes. */
export const awaitFinished = (tally: Tally, ids: ReadonlyArray<string>, deadlineMs: number) =>
  Effect.gen(function*() {
    const until = Date.now() + deadlineMs
    while (Date.now() < until) {
      yield* tally.refresh
      if (ids.every((id) => tally.completions.has(id) || tally.failures.has(id))) return true
      yield* sleep(100)
    }
    return false
  })

export const summarize = (scenario: string, ids: ReadonlyArray<string>, tally: Tally, faults: number, started: number, notes = ""): ScenarioResult => {
  const completed = ids.filter((id) => tally.completions.has(id)).length
  return {
    scenario,
    jobs: ids.length,
    faults,
    completed,
    lost: ids.filter((id) => !tally.completions.has(id)).length,
    completedTwice: ids.filter((id) => (tally.completions.get(id) ?? 0) > 1).length,
    ms: Date.now() - started,
    notes
  }
}
