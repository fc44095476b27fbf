/**
 * The HTTP server against a real redis-server and a real worker: readiness follows the worker
 * registry and Redis, /metrics figures match the jobs that actually ran, and the dashboard's API
 * serves views, job detail, SSE and token-guarded actions.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Metric, Option, type Scope } from "effect"
import { JobQueue } from "../src/runtime/JobQueue.js"
import { JobStore } from "../src/runtime/JobStore.js"
import { EventBus } from "../src/runtime/EventBus.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../src/runtime/RuntimeLayer.js"
import { startWorker, type WorkerHandle } from "../src/runtime/Worker.js"
import { DashboardToken } from "../src/http/DashboardToken.js"
import { startHttpServer } from "../src/http/HttpServer.js"
import { runCli, startCli, waitFor } from "./support/Cli.js"
import { freePort, redisClientOnServer, RedisServer } from "./support/RedisServer.js"
import { makeProbe, testJob } from "./support/TestJobs.js"

/** A fresh redis-server per test, with the runtime over it. */
const redisServer = RedisServer.layer()
const services = runtimeLayer(
  redisClientOnServer.pipe(Layer.provide(redisServer)),
  RuntimeConfig.layerWith({ leaseMs: 2_000, defaultBackoffMs: 20 })
).pipe(Layer.merge(redisServer))
const run = <A, E>(effect: Effect.Effect<A, E, RuntimeServices | RedisServer | Scope.Scope>) =>
  effect.pipe(Effect.scoped, Effect.provide(services))

/** A GET, with the dashboard token when given (every /api route needs it). */
const get = (url: string, token?: string) =>
  Effect.promise(async () => {
    const response = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    return { status: response.status, text: await response.text() }
  })

const post = (url: string, token?: string) =>
  Effect.promise(async () => {
    const response = await fetch(url, { method: "POST", headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    const body: unknown = JSON.parse(await response.text())
    return { status: response.status, body }
  })

/** The value of one Prometheus sample, 0 when the series is absent. */
const sample = (text: string, series: string): number => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

/** How many times a job's view saw it start. */
const runsOf = (detail: { view: { history: ReadonlyArray<{ type: string }> } | null }): number =>
  detail.view?.history.filter((h) => h.type === "qr.job.started.v1").length ?? 0

const waitForStatus = (jobId: string, status: string) =>
  Effect.gen(function*() {
    const store = yield* JobStore
    for (let i = 0; i < 500; i++) {
      const loaded = yield* store.load("qr", jobId)
      if (Option.isSome(loaded) && loaded.value.status === status) return
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.die(new Error(`job ${jobId} never reached ${status}`))
  })

/** A worker for the test job whose metrics carry the domain label, as the `worker` command runs it. */
const labelledWorker = (concurrency: number): Effect.Effect<WorkerHandle, never, RuntimeServices | Scope.Scope> =>
  Effect.gen(function*() {
    const probe = yield* makeProbe
    return yield* startWorker(testJob(probe), { concurrency, graceMs: 200 }).pipe(
      Effect.provideService(Metric.CurrentMetricAttributes, { domain: "qr" })
    )
  })

describe("http server", () => {
  describe("health and metrics", () => {
    it.live("/healthz answers; /readyz needs a live worker; an unknown domain is a 400", () =>
      run(Effect.gen(function*() {
        const server = yield* startHttpServer({ port: 0, domains: ["qr"] })
        const health = yield* get(`${server.url}/healthz`)
        assert.strictEqual(health.status, 200)
        assert.strictEqual(JSON.parse(health.text).status, "ok")
        const notReady = yield* get(`${server.url}/readyz`)
        assert.strictEqual(notReady.status, 503)
        assert.deepStrictEqual(JSON.parse(notReady.text), { ready: false, redis: "up", workers: { qr: 0 } })
        yield* Effect.scoped(Effect.gen(function*() {
          yield* labelledWorker(1)
          const ready = yield* get(`${server.url}/readyz?domain=qr`)
          assert.strictEqual(ready.status, 200)
          assert.deepStrictEqual(JSON.parse(ready.text), { ready: true, redis: "up", workers: { qr: 1 } })
        }))
        // The worker deregistered when its scope closed.
        assert.strictEqual((yield* get(`${server.url}/readyz`)).status, 503)
        const bad = yield* get(`${server.url}/readyz?domain=nope`)
        assert.strictEqual(bad.status, 400)
        assert.match(JSON.parse(bad.text).error, /unknown domain "nope"/)
      })), 60_000)

    it.live("/metrics counts the jobs that ran, by domain, and reads queue depth and in-flight at scrape time", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const worker = yield* labelledWorker(2)
        const server = yield* startHttpServer({ port: 0, domains: ["qr"], workers: [{ domain: "qr", running: worker.running }] })
        const before = (yield* get(`${server.url}/metrics`)).text
        const ok = yield* Effect.forEach([1, 2, 3, 4], () => queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } }))
        const user = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "user-error" } })
        const system = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "system-error" }, maxAttempts: 2, backoffMs: 10 })
        for (const job of ok) yield* waitForStatus(job.jobId, "completed")
        yield* waitForStatus(user.jobId, "failed")
        yield* waitForStatus(system.jobId, "failed")
        // Three jobs far in the future and one that hangs: gauges must show them now.
        for (let i = 0; i < 3; i++) yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" }, runAt: Date.now() + 3_600_000 })
        const hang = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "hang" } })
        yield* waitForStatus(hang.jobId, "processing")
        const after = (yield* get(`${server.url}/metrics`)).text
        const delta = (series: string) => sample(after, series) - sample(before, series)
        // 4 ok + 1 user error + 2 attempts of the system error + the hanging one
        assert.strictEqual(delta(`jobs_started_total{domain="qr"}`), 8)
        assert.strictEqual(delta(`jobs_completed_total{domain="qr"}`), 4)
        assert.strictEqual(delta(`jobs_failed_total{domain="qr"}`), 3)
        assert.strictEqual(delta(`jobs_retried_total{domain="qr"}`), 1)
        assert.strictEqual(delta(`jobs_dead_lettered_total{domain="qr"}`), 1)
        assert.strictEqual(delta(`jobs_duration_ms_count{domain="qr"}`), 7)
        assert.strictEqual(sample(after, `jobs_queue_depth{domain="qr",state="delayed"}`), 3)
        assert.strictEqual(sample(after, `jobs_queue_depth{domain="qr",state="dead"}`), 1)
        assert.strictEqual(sample(after, `jobs_queue_depth{domain="qr",state="active"}`), 1)
        assert.strictEqual(sample(after, `jobs_queue_depth{domain="qr",state="waiting"}`), 0)
        assert.strictEqual(sample(after, `jobs_in_flight{domain="qr"}`), 1)
        assert.match(after, /# TYPE jobs_duration_ms histogram/)
      })), 60_000)
  })

  describe("dashboard API", () => {
    it.live("serves job views with history, detail, SSE, counts malformed events, and guards actions with the token", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const bus = yield* EventBus
        yield* labelledWorker(2)
        const server = yield* startHttpServer({ port: 0, domains: ["qr"], dashboard: { token: DashboardToken.layer("t0k3n") } })
        const done = yield* queue.enqueue({ domain: "qr", userId: 3n, payload: { kind: "ok" } })
        const bad = yield* queue.enqueue({ domain: "qr", userId: 3n, payload: { kind: "user-error" } })
        yield* waitForStatus(done.jobId, "completed")
        yield* waitForStatus(bad.jobId, "failed")
        yield* bus.publish("qr", "{not json")
        // The hub sees events through the log; wait until both jobs have settled in the view.
        let jobs: ReadonlyArray<{ jobId: string; status: string; history: ReadonlyArray<unknown> }> = []
        let malformed = 0
        for (let i = 0; i < 200; i++) {
          const body = JSON.parse((yield* get(`${server.url}/api/jobs`, "t0k3n")).text)
          jobs = body.jobs
          malformed = body.problems.malformed
          if (jobs.filter((j) => j.status !== "running").length === 2 && malformed === 1) break
          yield* Effect.sleep("25 millis")
        }
        assert.strictEqual(jobs.find((j) => j.jobId === done.jobId)?.status, "completed")
        assert.strictEqual(jobs.find((j) => j.jobId === bad.jobId)?.status, "failed")
        assert.strictEqual(malformed, 1)

        const detail = JSON.parse((yield* get(`${server.url}/api/jobs/qr/${bad.jobId}`, "t0k3n")).text)
        assert.strictEqual(detail.view.error.message, "bad input: the answer is not 42")
        assert.deepStrictEqual(detail.view.history.map((h: { type: string }) => h.type), ["qr.job.started.v1", "qr.job.progress.v1", "qr.job.failed.v1"])
        assert.strictEqual(detail.record.lastError, "bad input: the answer is not 42")
        assert.strictEqual((yield* get(`${server.url}/api/jobs/qr/no-such-job`, "t0k3n")).status, 404)

        const sse = yield* Effect.promise(async () => {
          const controller = new AbortController()
          const response = await fetch(`${server.url}/api/events`, { signal: controller.signal, headers: { authorization: "Bearer t0k3n" } })
          const reader = response.body?.getReader()
          const chunk = reader === undefined ? undefined : await reader.read()
          controller.abort()
          return { type: response.headers.get("content-type"), text: new TextDecoder().decode(chunk?.value) }
        })
        assert.strictEqual(sse.type, "text/event-stream")
        assert.match(sse.text, /^event: snapshot\ndata: \{"jobs":\[/)

        const queues = JSON.parse((yield* get(`${server.url}/api/queues`, "t0k3n")).text).queues
        assert.deepStrictEqual(queues, [{ domain: "qr", waiting: 0, active: 0, delayed: 0, dead: 0, invalid: 0, failed: 1 }])

        const missing = yield* post(`${server.url}/api/jobs/qr/${bad.jobId}/retry`)
        assert.strictEqual(missing.status, 401)
        const wrong = yield* post(`${server.url}/api/jobs/qr/${bad.jobId}/retry`, "guess")
        assert.strictEqual(wrong.status, 401)
        const retried = yield* post(`${server.url}/api/jobs/qr/${bad.jobId}/retry`, "t0k3n")
        assert.strictEqual(retried.status, 200)
        assert.deepStrictEqual(retried.body, { action: "retry", jobId: bad.jobId, outcome: "requeued" })
        yield* waitForStatus(bad.jobId, "failed")
        const notDead = yield* post(`${server.url}/api/jobs/qr/${bad.jobId}/requeue`, "t0k3n")
        assert.strictEqual(notDead.status, 409)
        const unknownAction = yield* post(`${server.url}/api/jobs/qr/${bad.jobId}/explode`, "t0k3n")
        assert.strictEqual(unknownAction.status, 400)
        const noJob = yield* post(`${server.url}/api/jobs/qr/no-such-job/cancel`, "t0k3n")
        assert.strictEqual(noJob.status, 404)

        // Requeue from dead letter: the job leaves the dead set and runs again.
        const dead = yield* queue.enqueue({ domain: "qr", userId: 3n, payload: { kind: "system-error" }, maxAttempts: 1 })
        yield* waitForStatus(dead.jobId, "failed")
        assert.strictEqual((yield* queue.counts("qr")).dead, 1)
        const requeued = yield* post(`${server.url}/api/jobs/qr/${dead.jobId}/requeue`, "t0k3n")
        assert.strictEqual(requeued.status, 200)
        assert.deepStrictEqual(requeued.body, { action: "requeue", jobId: dead.jobId, outcome: "requeued" })
        // It runs again and fails again: the view's history holds both runs.
        let again = JSON.parse((yield* get(`${server.url}/api/jobs/qr/${dead.jobId}`, "t0k3n")).text)
        for (let i = 0; i < 200 && !(runsOf(again) === 2 && again.view.status === "failed"); i++) {
          yield* Effect.sleep("25 millis")
          again = JSON.parse((yield* get(`${server.url}/api/jobs/qr/${dead.jobId}`, "t0k3n")).text)
        }
        assert.strictEqual(runsOf(again), 2)
        assert.strictEqual(again.view.status, "failed")
        assert.strictEqual(again.record.attempt, 1, "a requeued job starts again from its first attempt")
      })), 60_000)

    it.live("without a configured token the dashboard is read-only: actions answer 403", () =>
      run(Effect.gen(function*() {
        const server = yield* startHttpServer({ port: 0, domains: ["qr"], dashboard: { token: DashboardToken.layer(undefined) } })
        const page = yield* get(`${server.url}/`)
        assert.strictEqual(page.status, 200)
        assert.match(page.text, /data-actions="read-only"/)
        const refused = yield* post(`${server.url}/api/jobs/qr/anything/cancel`, "whatever")
        assert.strictEqual(refused.status, 403)
      })), 60_000)
  })

  describe("when Redis is gone", () => {
    it.live("/readyz answers 503 with redis unreachable while /healthz still answers", () =>
      run(Effect.gen(function*() {
        const server = yield* startHttpServer({ port: 0, domains: ["qr"] })
        const redis = yield* RedisServer
        yield* Effect.promise(() => redis.stop(true))
        const ready = yield* get(`${server.url}/readyz`)
        assert.strictEqual(ready.status, 503)
        assert.strictEqual(JSON.parse(ready.text).redis, "unreachable")
        assert.strictEqual((yield* get(`${server.url}/healthz`)).status, 200)
        // Back up, so the clients can close cleanly; readiness follows.
        yield* Effect.promise(() => redis.restart())
        let again = yield* get(`${server.url}/readyz`)
        for (let i = 0; i < 100 && JSON.parse(again.text).redis !== "up"; i++) {
          yield* Effect.sleep("50 millis")
          again = yield* get(`${server.url}/readyz`)
        }
        assert.deepStrictEqual(JSON.parse(again.text), { ready: false, redis: "up", workers: { qr: 0 } })
      })), 60_000)
  })

  describe("worker --http-port", () => {
    it.live("the worker process serves its own figures: 3 jobs run, 3 counted, with the emitter's dropped-metrics counter at 0", () =>
      run(Effect.gen(function*() {
        const redis = yield* RedisServer
        const port = yield* Effect.promise(() => freePort())
        const env = { REDIS_URL: redis.url, RESULT_STORE_DIR: `${redis.dir}/results` }
        const worker = yield* Effect.acquireRelease(
          Effect.sync(() => startCli(["worker", "--domain", "qr", "--http-port", String(port)], env)),
          (w) => Effect.promise(() => w.stop("SIGTERM"))
        )
        yield* Effect.promise(() => waitFor(() => worker.output().includes("health and metrics on"), 30_000, "the worker's HTTP server"))
        const url = `http://127.0.0.1:${port}`
        assert.strictEqual((yield* get(`${url}/readyz`)).status, 200)
        const queue = yield* JobQueue
        const jobs = yield* Effect.forEach(["a", "b", "c"], (text) => queue.enqueue({ domain: "qr", userId: 2n, payload: { text } }))
        for (const job of jobs) yield* waitForStatus(job.jobId, "completed")
        const metrics = (yield* get(`${url}/metrics`)).text
        assert.strictEqual(sample(metrics, `jobs_started_total{domain="qr"}`), 3)
        assert.strictEqual(sample(metrics, `jobs_completed_total{domain="qr"}`), 3)
        assert.strictEqual(sample(metrics, `jobs_failed_total{domain="qr"}`), 0)
        assert.match(metrics, /^jobs_dead_lettered_total\{domain="qr"\} 0$/m)
        assert.match(metrics, /^metrics_events_dropped_total\{domain="qr"\} 0$/m)
        assert.strictEqual(sample(metrics, `jobs_in_flight{domain="qr"}`), 0)
        const status = yield* Effect.promise(() => runCli(["status", "--domain", "qr", jobs[0]?.jobId ?? ""], env))
        assert.match(status.stdout, /"status": "completed"/)
      })), 90_000)
  })

  describe("serve command", () => {
    it.live("reads DASHBOARD_TOKEN at start: the page allows actions and a wrong token is refused", () =>
      run(Effect.gen(function*() {
        const redis = yield* RedisServer
        const port = yield* Effect.promise(() => freePort())
        const env = { REDIS_URL: redis.url, DASHBOARD_TOKEN: "from-env" }
        const serve = yield* Effect.acquireRelease(
          Effect.sync(() => startCli(["serve", "--port", String(port), "--domain", "qr"], env)),
          (s) => Effect.promise(() => s.stop("SIGTERM"))
        )
        yield* Effect.promise(() => waitFor(() => serve.output().includes("dashboard on"), 30_000, "serve to listen"))
        const url = `http://127.0.0.1:${port}`
        assert.match((yield* get(`${url}/`)).text, /data-actions="enabled"/)
        assert.strictEqual((yield* post(`${url}/api/jobs/qr/x/cancel`, "not-it")).status, 401)
        assert.strictEqual((yield* post(`${url}/api/jobs/qr/x/cancel`, "from-env")).status, 404)
      })), 60_000)
  })
})
