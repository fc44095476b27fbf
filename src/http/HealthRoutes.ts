/**
 * `/healthz` (the process answers), `/readyz` (Redis answers, every watched domain has a live
 * worker and no loop of this process's workers keeps failing, else 503 naming the failing loops
 * in `failing_loops`; `?domain=` narrows it to one) and `/metrics` (Prometheus text of the process's Effect
 * metrics, with the queue gauges refreshed first).
 */
import { Duration, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import type { JobDomain } from "../contracts/JobDomain.js"
import { RedisClient } from "../redis/RedisClient.js"
import { WorkerRegistry } from "../runtime/WorkerRegistry.js"
import { type InFlightSource, refreshGauges } from "./ScrapeGauges.js"

export interface HealthOptions {
  readonly domains: ReadonlyArray<JobDomain>
  readonly workers: ReadonlyArray<InFlightSource>
}


export const queryParam = (url: string, name: string): string | undefined => {
  const value = new URL(url, "http://localhost").searchParams.get(name)
  return value === null ? undefined : value
}

const readiness = (domains: ReadonlyArray<JobDomain>, workers: ReadonlyArray<InFlightSource>) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const registry = yield* WorkerRegistry
    const ping = yield* redis.send("PING").pipe(Effect.timeoutOption(Duration.seconds(2)), Effect.result)
    const redisUp = ping._tag === "Success" && ping.success._tag === "Some"
    const workerCounts: Record<string, number> = {}
    if (redisUp) {
      for (const domain of domains) {
        const live = yield* registry.live(domain).pipe(Effect.orElseSucceed((): ReadonlyArray<string> => []))
        workerCounts[domain] = live.length
      }
    }
    // A worker of this process whose loop keeps failing makes the process not ready, whatever
    // the registry says (other processes' workers may still serve the domain).
    const failing = workers.filter((w) => domains.includes(w.domain)).flatMap((w) => w.failingLoops?.() ?? [])
    const ready = redisUp && failing.length === 0 && domains.every((d) => (workerCounts[d] ?? 0) > 0)
    return {
      ready,
      redis: redisUp ? "up" : "unreachable",
      workers: workerCounts,
      ...(failing.length === 0 ? {} : {
        failing_loops: failing.map((f) => ({
          domain: f.domain, worker: f.worker, loop: f.loop, failures: f.failures, since: f.since, error: f.error
        }))
      })
    }
  })

export const healthRoutes = (options: HealthOptions) =>
  Layer.mergeAll(
    HttpRouter.add("GET", "/healthz", HttpServerResponse.jsonUnsafe({ status: "ok", pid: process.pid })),
    HttpRouter.add("GET", "/readyz", (request) =>
      Effect.gen(function*() {
        const asked = queryParam(request.url, "domain")
        const known = options.domains.find((d) => d === asked)
        if (asked !== undefined && known === undefined) {
          return HttpServerResponse.jsonUnsafe({ error: `unknown domain "${asked}"; this server watches: ${options.domains.join(", ")}` }, { status: 400 })
        }
        const domains = known === undefined ? options.domains : [known]
        const result = yield* readiness(domains, options.workers)
        return HttpServerResponse.jsonUnsafe(result, { status: result.ready ? 200 : 503 })
      })),
    HttpRouter.add("GET", "/metrics", Effect.gen(function*() {
      yield* refreshGauges(options.domains, options.workers).pipe(
        Effect.catch((error) => Effect.logWarning(`metrics: queue gauges not refreshed: ${error.message}`))
      )
      const text = yield* PrometheusMetrics.format()
      return HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4; charset=utf-8" })
    }))
  )
