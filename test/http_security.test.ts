/**
 * The HTTP gate (src/http/HttpSecurity.ts) on the in-memory runtime, requests sent with node:http
 * so the Host header can be forged as a rebinding page's would be: a foreign Host gets 421 on
 * every route but the probes; every /api route needs the dashboard token (403 when none is
 * configured); /metrics follows METRICS_TOKEN; every response carries the security headers; the
 * page has nothing inline for the CSP to forbid. The `serve` command reads JOBS_HTTP_ALLOWED_HOSTS
 * and --allowed-host.
 */
import { request as httpRequest } from "node:http"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, type Scope } from "effect"
import { DashboardToken } from "../src/http/DashboardToken.js"
import { startHttpServer } from "../src/http/HttpServer.js"
import { HttpSecurity } from "../src/http/HttpSecurity.js"
import { JobQueue } from "../src/runtime/JobQueue.js"
import { RedisClient } from "../src/redis/RedisClient.js"
import { ResultStore } from "../src/runtime/ResultStore.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../src/runtime/RuntimeLayer.js"
import { startCli, waitFor } from "./support/Cli.js"
import { freePort } from "./support/RedisServer.js"

const token = "t0k3n-for-the-gate"
const services = Layer.merge(runtimeLayer(RedisClient.layerMemory, RuntimeConfig.layerWith({ leaseMs: 2_000 })), ResultStore.layerMemory({ maxBytes: 1024 * 1024 }))
const run = <A, E>(effect: Effect.Effect<A, E, RuntimeServices | ResultStore | Scope.Scope>) => effect.pipe(Effect.scoped, Effect.provide(services))

interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: string
}

/** One request with any Host header; an event stream is read only up to its first chunk. */
const send = (url: string, options: { readonly host?: string; readonly bearer?: string; readonly method?: string } = {}) =>
  Effect.promise(() =>
    new Promise<Answer>((resolve, reject) => {
      const target = new URL(url)
      const headers: Record<string, string> = { host: options.host ?? target.host }
      if (options.bearer !== undefined) headers["authorization"] = `Bearer ${options.bearer}`
      const req = httpRequest({ hostname: target.hostname, port: target.port, path: target.pathname, method: options.method ?? "GET", headers }, (res) => {
        let body = ""
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString()
          if (res.headers["content-type"] === "text/event-stream") {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
            req.destroy()
          }
        })
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      })
      req.on("error", reject)
      req.end()
    }))

const assertSecurityHeaders = (answer: Answer, what: string) => {
  assert.match(String(answer.headers["content-security-policy"]), /default-src 'none'/, what)
  assert.strictEqual(answer.headers["x-frame-options"], "DENY", what)
  assert.strictEqual(answer.headers["x-content-type-options"], "nosniff", what)
  assert.strictEqual(answer.headers["referrer-policy"], "no-referrer", what)
}

const dashboard = (tokenValue: string | undefined, security?: Layer.Layer<HttpSecurity>) =>
  startHttpServer({
    port: 0,
    domains: ["qr"],
    dashboard: { token: DashboardToken.layer(tokenValue), results: ResultStore.layerMemory({ maxBytes: 1024 }) },
    ...(security === undefined ? {} : { security })
  })

describe("http security", () => {
  it.live("a foreign Host gets a one-line 421 on data routes; loopback names on any port pass; probes skip the check", () =>
    run(Effect.gen(function*() {
      const queue = yield* JobQueue
      const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { text: "rebinding" } })
      const server = yield* dashboard(token, HttpSecurity.layer({}))
      const job = `${server.url}/api/jobs/qr/${jobId}`
      const evil = yield* send(job, { host: "evil.example", bearer: token })
      assert.strictEqual(evil.status, 421)
      assert.strictEqual(evil.body.trim().split("\n").length, 1)
      assert.match(JSON.parse(evil.body).error, /host "evil\.example" is not served here/)
      assertSecurityHeaders(evil, "421")
      for (const host of ["evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example"]) {
        assert.strictEqual((yield* send(job, { host, bearer: token })).status, 421, host)
      }
      for (const host of ["localhost", "localhost:9999", "127.0.0.1", `127.0.0.1:${server.port}`, "[::1]", "[::1]:80", "LOCALHOST."]) {
        assert.strictEqual((yield* send(job, { host, bearer: token })).status, 200, host)
      }
      for (const path of ["/", "/assets/dashboard.js", "/api/events", "/api/results/" + "a".repeat(64), "/metrics"]) {
        assert.strictEqual((yield* send(`${server.url}${path}`, { host: "evil.example", bearer: token })).status, 421, path)
      }
      assert.strictEqual((yield* send(`${server.url}/healthz`, { host: "evil.example" })).status, 200)
      assert.notStrictEqual((yield* send(`${server.url}/readyz`, { host: "evil.example" })).status, 421)
    })), 30_000)

  it.live("allowed hosts are configurable and add to loopback", () =>
    run(Effect.gen(function*() {
      const server = yield* dashboard(token, HttpSecurity.layer({ allowedHosts: ["jobs.example", " Other.Example "] }))
      for (const host of ["jobs.example", "jobs.example:443", "other.example", "localhost:1"]) {
        assert.strictEqual((yield* send(`${server.url}/api/jobs`, { host, bearer: token })).status, 200, host)
      }
      assert.strictEqual((yield* send(`${server.url}/api/jobs`, { host: "evil.example", bearer: token })).status, 421)
      const any = yield* dashboard(token, HttpSecurity.layer({ allowedHosts: ["*"] }))
      assert.strictEqual((yield* send(`${any.url}/api/jobs`, { host: "evil.example", bearer: token })).status, 200)
    })), 30_000)

  it.live("every data route needs the dashboard token: 401 without or wrong, 403 when none is configured", () =>
    run(Effect.gen(function*() {
      const guarded = yield* dashboard(token, HttpSecurity.layer({}))
      const closed = yield* dashboard(undefined, HttpSecurity.layer({}))
      const routes = ["/api/jobs", "/api/queues", "/api/events", "/api/jobs/qr/some-id", "/api/jobs/qr/some-id/result", `/api/results/${"b".repeat(64)}`, "/api/unknown"]
      for (const path of routes) {
        const missing = yield* send(`${guarded.url}${path}`)
        assert.strictEqual(missing.status, 401, path)
        assert.strictEqual(missing.headers["www-authenticate"], "Bearer", path)
        assert.strictEqual((yield* send(`${guarded.url}${path}`, { bearer: "guess" })).status, 401, path)
        const refused = yield* send(`${closed.url}${path}`, { bearer: token })
        assert.strictEqual(refused.status, 403, path)
        assert.match(JSON.parse(refused.body).error, /DASHBOARD_TOKEN/, path)
      }
      assert.strictEqual((yield* send(`${guarded.url}/api/jobs/qr/some-id/cancel`, { method: "POST" })).status, 401)
      assert.strictEqual((yield* send(`${guarded.url}/api/jobs`, { bearer: token })).status, 200)
      assert.strictEqual((yield* send(`${guarded.url}/api/queues`, { bearer: token })).status, 200)
      assert.strictEqual((yield* send(`${guarded.url}/api/jobs/qr/some-id`, { bearer: token })).status, 404)
      const events = yield* send(`${guarded.url}/api/events`, { bearer: token })
      assert.strictEqual(events.status, 200)
      assert.match(events.body, /^event: snapshot\n/)
      // The page itself holds no data: it loads without the token and asks for it.
      assert.strictEqual((yield* send(`${guarded.url}/`)).status, 200)
    })), 30_000)

  it.live("/metrics: open on an allowed host without METRICS_TOKEN; with it, the token is needed and any Host may scrape", () =>
    run(Effect.gen(function*() {
      const open = yield* startHttpServer({ port: 0, domains: ["qr"], security: HttpSecurity.layer({}) })
      assert.strictEqual((yield* send(`${open.url}/metrics`)).status, 200)
      assert.strictEqual((yield* send(`${open.url}/metrics`, { host: "evil.example" })).status, 421)
      // The health-only server (worker --http-port) has no data routes at all.
      assert.strictEqual((yield* send(`${open.url}/api/jobs`, { bearer: token })).status, 403)
      const scraped = yield* startHttpServer({ port: 0, domains: ["qr"], security: HttpSecurity.layer({ metricsToken: "scrape-me" }) })
      assert.strictEqual((yield* send(`${scraped.url}/metrics`)).status, 401)
      assert.strictEqual((yield* send(`${scraped.url}/metrics`, { bearer: "nope" })).status, 401)
      const ok = yield* send(`${scraped.url}/metrics`, { host: "10.0.0.7:9000", bearer: "scrape-me" })
      assert.strictEqual(ok.status, 200)
      assert.match(ok.body, /# TYPE/)
      assertSecurityHeaders(ok, "/metrics")
    })), 30_000)

  it.live("every response carries CSP, X-Frame-Options, nosniff and no-referrer; the page has nothing inline", () =>
    run(Effect.gen(function*() {
      const server = yield* dashboard(token, HttpSecurity.layer({}))
      const checked = [
        ["/", undefined], ["/assets/dashboard.js", undefined], ["/assets/dashboard.css", undefined], ["/healthz", undefined],
        ["/api/jobs", token], ["/api/jobs", undefined], ["/no-such-route", token], [`/api/results/${"c".repeat(64)}`, token]
      ] as const
      for (const [path, bearer] of checked) {
        assertSecurityHeaders(yield* send(`${server.url}${path}`, bearer === undefined ? {} : { bearer }), path)
      }
      const page = (yield* send(`${server.url}/`)).body
      assert.notMatch(page, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script")
      assert.notMatch(page, /<style|\sstyle=|\son[a-z]+=/i, "no inline style or handler")
      assert.match(page, /<script src="\/assets\/dashboard\.js"><\/script>/)
      assert.match(page, /<link rel="stylesheet" href="\/assets\/dashboard\.css">/)
    })), 30_000)

  it.live("serve reads JOBS_HTTP_ALLOWED_HOSTS and --allowed-host", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(() => freePort())
      const serve = yield* Effect.acquireRelease(
        Effect.sync(() => startCli(["serve", "--port", String(port), "--domain", "qr", "--allowed-host", "b.example"], {
          DASHBOARD_TOKEN: token,
          JOBS_HTTP_ALLOWED_HOSTS: "a.example, c.example"
        })),
        (s) => Effect.promise(() => s.stop("SIGTERM"))
      )
      yield* Effect.promise(() => waitFor(() => serve.output().includes("dashboard on"), 30_000, "serve to listen"))
      const url = `http://127.0.0.1:${port}/api/jobs`
      for (const host of ["a.example", "b.example:8080", "c.example", "localhost"]) {
        assert.strictEqual((yield* send(url, { host, bearer: token })).status, 200, host)
      }
      assert.strictEqual((yield* send(url, { host: "evil.example", bearer: token })).status, 421)
    }).pipe(Effect.scoped), 60_000)
})
