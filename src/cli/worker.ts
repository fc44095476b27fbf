/**
 * `worker --domain a [--domain b ...] | --all`: one process serves several domains, each with its
 * own worker (slots, lanes, claim loop), its scheduler, and one HTTP server covering all of them.
 * Telemetry (seed 004's job.* events) only when TELEMETRY_EMITTERS names a destination.
 */
import { Console, Effect, Metric, Option, Result, Scope } from "effect"
import { Command, Flag } from "effect/cli"
import { findJob, registeredDomains } from "../domains/registry.js"
import { startHttpServer } from "../http/HttpServer.js"
import { runScheduler } from "../runtime/Schedules.js"
import { droppedMetrics } from "../runtime/MetricsEmitter.js"
import { WorkerTelemetry } from "../runtime/worker/telemetry.js"
import { allowedHostFlag, repeatedDomainFlag, UsageError, withShownDefault } from "./flags.js"
import { defaultConcurrency, type DomainPlan, parseSetting, planWorker } from "./workerPlan.js"

/** Time allowed after the grace period for the hand-back and closing connections. */
const shutdownMarginMs = 5_000

const settingFlag = (name: string, description: string) =>
  Flag.String(name).pipe(
    Flag.withMetavar("N|domain=N"),
    // effect/cli prints this after `Invalid value for flag --NAME: "X". Expected: `.
    Flag.filter((text) => Result.isSuccess(parseSetting(name, text)), () => "N or domain=N, N a positive integer"),
    Flag.atLeast(0),
    Flag.withDescription(description)
  )

export const workerCommand = Command.make("worker", {
  domains: repeatedDomainFlag("Domain to serve; repeat for several in one process"),
  all: Flag.Boolean("all").pipe(withShownDefault("Serve every registered domain", false)),
  concurrency: settingFlag(
    "concurrency",
    `Jobs run at once: N for every served domain, domain=N for one; repeatable, e.g. --concurrency 2 --concurrency qr=8 (default: ${defaultConcurrency})`
  ),
  lanes: settingFlag(
    "lanes",
    "Independent streams of batched Redis calls a domain's slots are split over: N or domain=N, repeatable (default: 2 from concurrency 8 up, else 1)"
  ),
  graceMs: Flag.Int("grace-ms").pipe(
    withShownDefault("On SIGINT/SIGTERM, how long running jobs may finish before they are handed back", 10_000)
  ),
  httpPort: Flag.Int("http-port").pipe(
    Flag.withDescription("Serve /healthz, /readyz and /metrics for every served domain on this port (default: off)"),
    Flag.optional
  ),
  httpHost: Flag.String("http-host").pipe(
    withShownDefault("Address for --http-port (0.0.0.0 for probes from outside the host)", "127.0.0.1")
  ),
  allowedHosts: allowedHostFlag
}, ({ domains, all, concurrency, lanes, graceMs, httpPort, httpHost, allowedHosts }) =>
  Effect.gen(function*() {
    const planned = planWorker({ domains, all, concurrency, lanes }, registeredDomains())
    if (Result.isFailure(planned)) return yield* new UsageError({ command: "worker", message: planned.failure })
    // Every domain is looked up before any starts, so an unknown one stops the process cleanly.
    const plans = yield* Effect.forEach(planned.success, (plan) => Effect.map(findJob(plan.domain), (job) => ({ plan, job })))
    // Domains drain side by side on a stop (each within --grace-ms), not one after another; each
    // domain's own finalizers keep their order in a sequential scope of their own.
    const drains = yield* Scope.fork(yield* Scope.Scope, "parallel")
    const workers = yield* Effect.forEach(plans, ({ plan, job }) =>
      Effect.gen(function*() {
        const domainScope = yield* Scope.fork(drains, "sequential")
        return yield* startDomain(plan, job, graceMs).pipe(Scope.provide(domainScope))
      }))
    yield* Console.log(`worker serving ${plans.map(({ plan }) => `${plan.domain} (concurrency ${plan.concurrency})`).join(", ")}`)
    if (Option.isSome(httpPort)) {
      const server = yield* startHttpServer({ port: httpPort.value, host: httpHost, domains: workers.map((w) => w.domain), workers, allowedHosts })
      yield* Console.log(`health and metrics on ${server.url} (/healthz /readyz /metrics)`)
    }
    // A stop must end the process even when Redis is unreachable and the hand-back cannot be
    // written: after the grace period and a margin it exits; leases bring the jobs back.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        setTimeout(() => {
          process.stderr.write(`shutdown did not finish within ${graceMs + shutdownMarginMs} ms (Redis unreachable?); exiting, unfinished jobs return when their leases expire\n`)
          process.exit(1)
        }, graceMs + shutdownMarginMs).unref()
      })
    )
    return yield* Effect.never
    // TELEMETRY_EMITTERS decides what the workers emit (unset: nothing; `redis` feeds the projector).
  }).pipe(Effect.scoped, Effect.provide(WorkerTelemetry.layerConfig))).pipe(
  Command.withDescription("Run the workers of one or more domains until SIGINT/SIGTERM, then drain")
)

type RegisteredJob = Effect.Success<ReturnType<typeof findJob>>

const startDomain = (plan: DomainPlan, job: RegisteredJob, graceMs: number) =>
  Effect.gen(function*() {
    const { domain } = plan
    // The emitter's drop counter starts at 0 too, so a scrape shows it before the first drop.
    yield* Metric.update(droppedMetrics, 0).pipe(Effect.provideService(Metric.CurrentMetricAttributes, { domain }))
    const worker = yield* job.startWorker({
      concurrency: plan.concurrency,
      graceMs,
      ...(plan.lanes === undefined ? {} : { lanes: plan.lanes })
    })
    // Every worker enqueues its domain's repeatable jobs; their ids make that safe to do many times.
    yield* runScheduler(domain, { supervisor: worker.supervisor })
    return { domain, running: worker.running, failingLoops: worker.failingLoops }
  })
