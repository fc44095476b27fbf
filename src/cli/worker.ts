import { Console, Effect, Metric, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { findJob } from "../domains/registry.js"
import { startHttpServer } from "../http/HttpServer.js"
import { runScheduler } from "../runtime/Schedules.js"
import { droppedMetrics } from "../runtime/MetricsEmitter.js"
import { domainFlag } from "./flags.js"

/** Time allowed after the grace period for the hand-back and closing connections. */
const shutdownMarginMs = 5_000

export const workerCommand = Command.make("worker", {
  domain: domainFlag,
  concurrency: Flag.Int("concurrency").pipe(Flag.withDescription("Jobs run at once"), Flag.withDefault(4)),
  lanes: Flag.Int("lanes").pipe(
    Flag.withDescription("Independent streams of batched Redis calls the slots are split over (default 2 from concurrency 8 up, else 1)"),
    Flag.optional
  ),
  graceMs: Flag.Int("grace-ms").pipe(
    Flag.withDescription("On SIGINT/SIGTERM, how long running jobs may finish before they are handed back"),
    Flag.withDefault(10_000)
  ),
  httpPort: Flag.Int("http-port").pipe(
    Flag.withDescription("Serve /healthz, /readyz and /metrics for this worker on this port (off when not given)"),
    Flag.optional
  ),
  httpHost: Flag.String("http-host").pipe(
    Flag.withDescription("Address for --http-port (0.0.0.0 for probes from outside the host)"),
    Flag.withDefault("127.0.0.1")
  )
}, ({ domain, concurrency, lanes, graceMs, httpPort, httpHost }) =>
  Effect.gen(function*() {
    const job = yield* findJob(domain)
    // The emitter's drop counter starts at 0 too, so a scrape shows it before the first drop.
    yield* Metric.update(droppedMetrics, 0).pipe(Effect.provideService(Metric.CurrentMetricAttributes, { domain }))
    const worker = yield* job.startWorker({ concurrency, graceMs, ...(Option.isSome(lanes) ? { lanes: lanes.value } : {}) })
    // Every worker enqueues its domain's repeatable jobs; their ids make that safe to do many times.
    yield* runScheduler(domain)
    if (Option.isSome(httpPort)) {
      const server = yield* startHttpServer({ port: httpPort.value, host: httpHost, domains: [domain], workers: [{ domain, running: worker.running }] })
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
  }).pipe(Effect.scoped)).pipe(Command.withDescription("Run a domain's worker until SIGINT/SIGTERM"))
