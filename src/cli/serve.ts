/**
 * `serve --port P [--domain D ...]`: the standalone HTTP server with health, readiness, metrics,
 * the dashboard and the Job & Task API (/api/v1, its docs on /api/v1/docs) with the services' background
 * fibers (outbox publisher, bus subscriptions, run projection of the served domains). Its data routes and actions need DASHBOARD_TOKEN to be set at start; requests
 * must name this server in Host (loopback, JOBS_HTTP_ALLOWED_HOSTS or --allowed-host).
 */
import { Console, Effect, Layer } from "effect"
import { Command, Flag } from "effect/cli"
import { registeredDomains, registeredJobs } from "../domains/registry.js"
import { startHttpServer } from "../http/HttpServer.js"
import { ApiTokens } from "../services/Actor.js"
import * as ServicesLayer from "../services/ServicesLayer.js"
import { allowedHostFlag, repeatedDomainFlag, withShownDefault } from "./flags.js"

export const domainsFlag = repeatedDomainFlag("Domain to show; repeat for several (default: every domain with a registered job)")

export const chosenDomains = (domains: ReadonlyArray<string>) =>
  domains.length > 0 ? [...new Set(domains)] : registeredDomains()

export const serveCommand = Command.make("serve", {
  port: Flag.Int("port").pipe(withShownDefault("Port to listen on (0 picks a free one)", 8080)),
  host: Flag.String("host").pipe(withShownDefault("Address to listen on", "127.0.0.1")),
  domains: domainsFlag,
  allowedHosts: allowedHostFlag
}, ({ port, host, domains, allowedHosts }) =>
  Effect.gen(function*() {
    const chosen = chosenDomains(domains)
    // The Job & Task API on /api/v1, over the runtime of this process (the CLI's appLayer).
    const runtime = yield* Effect.context<ServicesLayer.RuntimeRequirements>()
    const services = Layer.merge(ServicesLayer.layerConfig({ domains: chosen }), ApiTokens.layerConfig).pipe(
      Layer.provide(Layer.succeedContext(runtime))
    )
    const server = yield* startHttpServer({ port, host, domains: chosen, allowedHosts, dashboard: { jobs: registeredJobs, api: { services } } })
    yield* Console.log(`dashboard on ${server.url}/ (domains: ${chosen.join(", ")}); /healthz /readyz /metrics; API ${server.url}/api/v1/docs`)
    return yield* Effect.never
  }).pipe(Effect.scoped)).pipe(Command.withDescription("Serve the dashboard and the health, readiness and metrics endpoints"))
