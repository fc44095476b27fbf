/**
 * `serve --port P [--domain D ...]`: the standalone HTTP server with health, readiness, metrics
 * and the dashboard. Its data routes and actions need DASHBOARD_TOKEN to be set at start; requests
 * must name this server in Host (loopback, JOBS_HTTP_ALLOWED_HOSTS or --allowed-host).
 */
import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { registeredDomains, registeredJobs } from "../domains/registry.js"
import { startHttpServer } from "../http/HttpServer.js"
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
    const server = yield* startHttpServer({ port, host, domains: chosen, allowedHosts, dashboard: { jobs: registeredJobs } })
    yield* Console.log(`dashboard on ${server.url}/ (domains: ${chosen.join(", ")}); /healthz /readyz /metrics`)
    return yield* Effect.never
  }).pipe(Effect.scoped)).pipe(Command.withDescription("Serve the dashboard and the health, readiness and metrics endpoints"))
