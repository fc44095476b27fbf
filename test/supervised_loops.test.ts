/**
 * The worker's long-running loops under supervision (src/runtime/Supervised.ts): a defect or
 * error in any loop is logged, counted in jobs_runtime_restarts_total{domain,loop} and the loop
 * starts again; a loop that keeps failing makes /readyz answer 503 naming it and stops the
 * registry heartbeat until it recovers; a failed claim gives its slots back; a wrong-typed
 * registry key does not stop lease renewal. On both Redis layers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Metric, Option, type Scope } from "effect"
import { startHttpServer } from "../src/http/HttpServer.js"
import { JobQueue } from "../src/runtime/JobQueue.js"
import { JobStore } from "../src/runtime/JobStore.js"
import { MetricsEmitter } from "../src/runtime/MetricsEmitter.js"
import { RedisClient } from "../src/redis/RedisClient.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../src/runtime/RuntimeLayer.js"
import { runScheduler } from "../src/runtime/Schedules.js"
import { type LoopId, LoopFaults, LoopSupervision, runtimeRestarts, type SupervisionSettings } from "../src/runtime/Supervised.js"
import { startWorker } from "../src/runtime/Worker.js"
import { WorkerRegistry } from "../src/runtime/WorkerRegistry.js"
import { RedisError } from "../src/redis/RedisError.js"
import { makeProbe, testJob } from "./support/TestJobs.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

const fast: SupervisionSettings = {
  backoffBaseMs: 10,
  backoffCapMs: 50,
  healthyAfterMs: 400,
  unreadyAfterFailures: 3,
  unreadyAfterMs: 10_000
}

const restarts = (loop: string, domain?: string) =>
  Metric.value(Metric.withAttributes(runtimeRestarts, domain === undefined ? { loop } : { domain, loop })).pipe(Effect.map((s) => s.count))

const eventually = <E, R>(what: string, check: Effect.Effect<boolean, E, R>, timeoutMs = 10_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (yield* check) return
      yield* Effect.sleep("20 millis")
    }
    return yield* Effect.die(new Error(`not within ${timeoutMs} ms: ${what}`))
  })

const statusOf = (jobId: string) =>
  Effect.gen(function*() {
    const loaded = yield* (yield* JobStore).load("qr", jobId)
    return Option.isSome(loaded) ? loaded.value.status : "missing"
  })

const allCompleted = (ids: ReadonlyArray<string>) =>
  Effect.map(Effect.forEach(ids, statusOf), (statuses) => statuses.every((s) => s === "completed"))

const enqueueOk = (n: number, payload: { kind: "ok" | "sleep"; ms?: number } = { kind: "ok" }) =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    const jobs = yield* Effect.forEach(Array.from({ length: n }), () => queue.enqueue({ domain: "qr", userId: 1n, payload }))
    return jobs.map((j) => j.jobId)
  })

const get = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    const body: { readonly failing_loops?: ReadonlyArray<{ loop: string; domain: string; error: string }> } = JSON.parse(await response.text())
    return { status: response.status, body }
  })

/** Fails every round of the loops named in `broken` (a defect, then typed errors, alternating). */
const faultsWhile = (broken: Set<string>) => {
  let n = 0
  return (id: LoopId) =>
    Effect.suspend(() => {
      if (!broken.has(id.loop)) return Effect.void
      return n++ % 2 === 0 ? Effect.die(new Error(`injected defect in ${id.loop}`)) : Effect.fail(new Error(`injected error in ${id.loop}`))
    })
}

const suite = (name: string, redisLayer: Layer.Layer<RedisClient>) =>
  describe(`supervised loops on ${name}`, () => {
    const layer = Layer.mergeAll(MetricsEmitter.layerWith({ lingerMs: 0 })).pipe(
      Layer.provideMerge(runtimeLayer(redisLayer, RuntimeConfig.layerWith({ leaseMs: 600, defaultBackoffMs: 20 })))
    )
    const run = <A, E>(effect: Effect.Effect<A, E, RuntimeServices | MetricsEmitter | Scope.Scope>) =>
      Effect.gen(function*() {
        yield* (yield* RedisClient).send("FLUSHALL")
        return yield* effect
      }).pipe(Effect.scoped, Effect.provide(layer), Effect.provideService(LoopSupervision, fast))

    it.live("a defect or error injected into each loop: it restarts, the restart is counted, jobs keep completing", () =>
      Effect.gen(function*() {
        const loops = ["claim-lane-0", "claim-lane-1", "idle-waiter", "lease-renewal", "registry-heartbeat", "recovery", "cancel-listener", "scheduler"]
        const broken = new Set(loops)
        const before = yield* Effect.forEach(loops, (loop) => restarts(loop, "qr"))
        yield* run(Effect.gen(function*() {
          const worker = yield* startWorker(testJob(yield* makeProbe), { concurrency: 4, lanes: 2, idleWaitMs: 100 })
          yield* runScheduler("qr", { tickMs: 20, supervisor: worker.supervisor })
          // Every loop fails a few times in a row (defects and typed errors), then the faults are gone.
          yield* eventually("every loop restarted twice", Effect.map(
            Effect.forEach(loops, (loop) => restarts(loop, "qr")),
            (counts) => counts.every((c, i) => c - (before[i] ?? 0) >= 2)
          ))
          broken.clear()
          // Jobs longer than the lease: renewal works again, nobody recovers them.
          const ids = [...yield* enqueueOk(6), ...yield* enqueueOk(2, { kind: "sleep", ms: 1_000 })]
          yield* eventually("jobs completed after the faults", allCompleted(ids))
          for (const id of ids) {
            const record = Option.getOrThrow(yield* (yield* JobStore).loadRecord("qr", id))
            assert.strictEqual(record.attempt, 1, `job ${id} ran more than once`)
          }
          // The cancel listener is back: a running job is stopped at once, well before a lease renewal.
          const [hanging] = yield* Effect.map((yield* JobQueue).enqueue({ domain: "qr", userId: 1n, payload: { kind: "hang" } }), (j) => [j.jobId])
          yield* eventually("hanging job running", Effect.map(statusOf(hanging ?? ""), (s) => s === "processing"))
          const { cancelJob } = yield* Effect.promise(() => import("../src/runtime/Cancellation.js"))
          yield* cancelJob("qr", hanging ?? "")
          yield* eventually("cancelled", Effect.map(statusOf(hanging ?? ""), (s) => s === "failed"), 150)
          assert.deepStrictEqual(worker.failingLoops(), [])
        })).pipe(Effect.provideService(LoopFaults, faultsWhile(broken)))
      }), 60_000)

    it.live("a loop that keeps failing: /readyz 503 naming it and the registry heartbeat stops; both come back when it recovers", () =>
      Effect.gen(function*() {
        const broken = new Set<string>()
        yield* run(Effect.gen(function*() {
          const registry = yield* WorkerRegistry
          const worker = yield* startWorker(testJob(yield* makeProbe), { concurrency: 2 })
          const server = yield* startHttpServer({ port: 0, domains: ["qr"], workers: [{ domain: "qr", running: worker.running, failingLoops: worker.failingLoops }] })
          const live = Effect.map(registry.live("qr"), (ids) => ids.includes(worker.workerId))
          yield* eventually("registered", live)
          assert.strictEqual((yield* get(`${server.url}/readyz`)).status, 200)

          broken.add("recovery")
          yield* eventually("not ready", Effect.map(get(`${server.url}/readyz`), (r) => r.status === 503))
          const body = (yield* get(`${server.url}/readyz?domain=qr`)).body
          const failing = body.failing_loops ?? []
          assert.deepStrictEqual(failing.map((f) => [f.domain, f.loop]), [["qr", "recovery"]])
          assert.match(failing[0]?.error ?? "", /injected (defect|error) in recovery/)
          // The entry is removed, and not written again while the loop fails.
          yield* eventually("deregistered", Effect.map(live, (l) => !l))
          yield* Effect.sleep("700 millis")
          assert.isFalse(yield* live)
          // The other loops still run: jobs complete meanwhile.
          yield* eventually("jobs completed while not ready", allCompleted(yield* enqueueOk(3)))

          broken.clear()
          yield* eventually("registered again", live)
          yield* eventually("ready again", Effect.map(get(`${server.url}/readyz`), (r) => r.status === 200))
          assert.deepStrictEqual(worker.failingLoops(), [])
        })).pipe(Effect.provideService(LoopFaults, faultsWhile(broken)))
      }), 60_000)

    it.live("claims that fail (Redis refusing) give their slots back: once the fault is gone the worker claims again", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        let refusing = true
        const faulty = JobQueue.of({
          ...queue,
          claim: (...args) =>
            Effect.suspend(() =>
              refusing ? Effect.fail(new RedisError({ op: "claim", message: "OOM command not allowed when used memory > 'maxmemory'." })) : queue.claim(...args)
            )
        })
        const before = yield* restarts("claim-lane-0", "qr")
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 3, idleWaitMs: 50 }).pipe(Effect.provideService(JobQueue, faulty))
        const early = yield* enqueueOk(3)
        yield* eventually("claims failed several times", Effect.map(restarts("claim-lane-0", "qr"), (n) => n - before >= 4))
        refusing = false
        const late = yield* enqueueOk(6)
        yield* eventually("every job completed once claims work again", allCompleted([...early, ...late]))
      })), 60_000)

    it.live("a claim that fails on a wrong-typed key gives its slots back; after the key is fixed new jobs complete", () =>
      run(Effect.gen(function*() {
        const redis = yield* RedisClient
        const before = yield* restarts("claim-lane-0", "qr")
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 2, idleWaitMs: 50 })
        yield* redis.send("SET", "qr:events:log", "not a stream")
        const early = yield* enqueueOk(2)
        yield* eventually("claims failed", Effect.map(restarts("claim-lane-0", "qr"), (n) => n - before >= 2))
        yield* redis.send("DEL", "qr:events:log")
        const late = yield* enqueueOk(4)
        // The early ones come back through recovery if the refused claim took them.
        yield* eventually("jobs completed after the key was fixed", allCompleted([...late, ...early]))
      })), 60_000)

    it.live("a wrong-typed registry key: the registry heartbeat fails, leases are still renewed, no job is recovered by others", () =>
      run(Effect.gen(function*() {
        const redis = yield* RedisClient
        yield* redis.send("SET", "qr:workers", "not a sorted set")
        const worker = yield* startWorker(testJob(yield* makeProbe), { concurrency: 2 })
        const ids = yield* enqueueOk(2, { kind: "sleep", ms: 2_000 })
        yield* eventually("long jobs completed", allCompleted(ids))
        for (const id of ids) {
          const record = Option.getOrThrow(yield* (yield* JobStore).loadRecord("qr", id))
          assert.strictEqual(record.attempt, 1, `job ${id} was recovered although its worker renewed its lease`)
        }
        const failing = worker.failingLoops().map((f) => f.loop)
        assert.deepStrictEqual(failing, ["registry-heartbeat"])
      })), 60_000)
  })

suite("in-memory Redis", RedisClient.layerMemory)
suite("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())))

describe("supervised process loops", () => {
  it.live("the metrics flusher restarts after a defect and later events are still published", () =>
    Effect.gen(function*() {
      const broken = new Set(["metrics-flusher"])
      const before = yield* restarts("metrics-flusher")
      yield* Effect.gen(function*() {
        const emitter = yield* MetricsEmitter
        yield* eventually("flusher restarted", Effect.map(restarts("metrics-flusher"), (n) => n - before >= 2))
        broken.clear()
        const event = JSON.stringify({ type: "qr.metrics.test.v1" })
        assert.isTrue(emitter.emit("qr", "job-1", event, "milestone"))
        assert.isTrue(yield* emitter.flush("5 seconds"))
      }).pipe(
        Effect.scoped,
        Effect.provide(MetricsEmitter.layerWith({ lingerMs: 0 }).pipe(Layer.provideMerge(runtimeLayer(RedisClient.layerMemory, RuntimeConfig.layerWith({}))))),
        Effect.provideService(LoopSupervision, fast),
        Effect.provideService(LoopFaults, faultsWhile(broken))
      )
    }), 30_000)
})
