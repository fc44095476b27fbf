/**
 * The HTTP server of a process: health, readiness and metrics always; the dashboard (with its
 * JobViewHub, token and actions) when asked for. Every request passes the gate of HttpSecurity.ts
 * (allowed Host, tokens, security headers). `startHttpServer` runs it for the current scope and
 * returns the address it listens on (port 0 picks a free one).
 */
import { createServer } from "node:http"
import { type Config, Context, Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { NodeHttpServer } from "@effect/platform-node"
import type { JobDomain } from "../contracts/JobDomain.js"
import { JobViewHub } from "../runtime/JobView.js"
import { ResultStore, type ResultStoreError } from "../runtime/ResultStore.js"
import { dashboardRoutes } from "./DashboardRoutes.js"
import { DashboardToken } from "./DashboardToken.js"
import { healthRoutes } from "./HealthRoutes.js"
import { HttpSecurity, securityMiddleware } from "./HttpSecurity.js"
import { JobActions } from "./JobActions.js"
import { resultRoutes } from "./ResultRoutes.js"
import { enqueueRoutes } from "./EnqueueRoutes.js"
import { Producer } from "../runtime/Producer.js"
import type { JobSpec } from "../runtime/JobDefinition.js"
import type { InFlightSource } from "./ScrapeGauges.js"
import { apiRoutes } from "./api/Routes.js"
import type { ApiTokens } from "../services/Actor.js"
import type { JobService } from "../services/jobs/JobService.js"
import type { TaskService } from "../services/tasks/TaskService.js"

export interface HttpServerOptions {
  readonly port: number
  readonly host?: string
  readonly domains: ReadonlyArray<JobDomain>
  /** Workers of this process, for the in-flight gauge. */
  readonly workers?: ReadonlyArray<InFlightSource>
  /** Hosts allowed besides loopback and `JOBS_HTTP_ALLOWED_HOSTS` (the `--allowed-host` flags). */
  readonly allowedHosts?: ReadonlyArray<string>
  /** The gate's settings; by default from the environment (HttpSecurity.layerConfig). */
  readonly security?: Layer.Layer<HttpSecurity>
  /** Serve the dashboard too; the JobViewHub replays each domain's event log from `replayFrom` ("0" by default). */
  readonly dashboard?: {
    readonly replayFrom?: string
    readonly token?: Layer.Layer<DashboardToken>
    /** Jobs whose payloads `POST /api/jobs/:domain` checks (other domains' payloads go in as given). */
    readonly jobs?: ReadonlyArray<JobSpec>
    /** Where `/api/results/:id` reads; by default the store `RESULT_STORE_DIR` configures. */
    readonly results?: Layer.Layer<ResultStore, ResultStoreError | Config.ConfigError>
    /** The Job & Task API on /api/v1 (src/http/api), run on these services; a failure to build them is fatal. */
    readonly api?: {
      readonly services: Layer.Layer<JobService | TaskService | ApiTokens, unknown>
      readonly maxBodyBytes?: number
    }
  }
}

export interface RunningHttpServer {
  readonly url: string
  readonly port: number
}

const listen = (options: HttpServerOptions, host: string) =>
  NodeHttpServer.layer(() => createServer(), { port: options.port, host })

const serverLayer = (options: HttpServerOptions, host: string) => {
  const health = healthRoutes({ domains: options.domains, workers: options.workers ?? [] })
  const serveOptions = { disableLogger: true, disableListenLog: true }
  const dashboard = options.dashboard
  const security = options.security ?? HttpSecurity.layerConfig(options.allowedHosts)
  if (dashboard === undefined) {
    // No data routes here; the gate still checks Host and METRICS_TOKEN and sets the headers.
    return HttpRouter.serve(Layer.mergeAll(health, securityMiddleware), serveOptions).pipe(
      Layer.provide(Layer.merge(security, DashboardToken.layer(undefined))),
      Layer.provideMerge(listen(options, host))
    )
  }
  // Handlers' services are requirements of the served app: one hub for all requests.
  const services = Layer.mergeAll(
    JobViewHub.layer({ domains: options.domains, from: dashboard.replayFrom ?? "0" }),
    dashboard.token ?? DashboardToken.layerConfig,
    JobActions.layer,
    dashboard.results ?? ResultStore.layerConfig,
    Producer.layerWithJobs(dashboard.jobs ?? []),
    security
  )
  const api = dashboard.api === undefined
    ? Layer.empty
    : apiRoutes(dashboard.api.maxBodyBytes === undefined ? {} : { maxBodyBytes: dashboard.api.maxBodyBytes }).pipe(
      Layer.provide(Layer.orDie(dashboard.api.services))
    )
  return HttpRouter.serve(Layer.mergeAll(health, dashboardRoutes, resultRoutes, enqueueRoutes, api, securityMiddleware), serveOptions).pipe(
    Layer.provide(services),
    Layer.provideMerge(listen(options, host))
  )
}

export const startHttpServer = (
  options: HttpServerOptions
) =>
  Effect.gen(function*() {
    const host = options.host ?? "127.0.0.1"
    const context = yield* Layer.build(serverLayer(options, host))
    const address = Context.get(context, HttpServer.HttpServer).address
    const port = "port" in address ? address.port : options.port
    const running: RunningHttpServer = { url: `http://${host}:${port}`, port }
    return running
  })
