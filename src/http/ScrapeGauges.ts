/**
 * Gauges whose value lives in Redis or in the worker, not in a counter: they are read when
 * `/metrics` is scraped, so the figures are as fresh as the scrape.
 */
import { Effect, Metric } from "effect"
import type { JobDomain } from "../contracts/JobDomain.js"
import { JobQueue } from "../runtime/JobQueue.js"
import type { RedisError } from "../redis/RedisError.js"
import type { FailingLoop } from "../runtime/Supervised.js"

export const queueDepth = Metric.gauge("jobs_queue_depth", {
  description: "Jobs in the domain's queue by state (waiting, active, delayed, dead, invalid), read at scrape time"
})

export const inFlight = Metric.gauge("jobs_in_flight", {
  description: "Jobs running right now in this process's worker"
})

/** Something that knows how many jobs it runs now (a worker handle). */
export interface InFlightSource {
  readonly domain: JobDomain
  readonly running: () => ReadonlyArray<string>
  /** Its loops that keep failing (see runtime/Supervised.ts): while there are any, it is not ready. */
  readonly failingLoops?: () => ReadonlyArray<FailingLoop>
}

export const refreshGauges = (
  domains: ReadonlyArray<JobDomain>,
  workers: ReadonlyArray<InFlightSource>
): Effect.Effect<void, RedisError, JobQueue> =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    for (const domain of domains) {
      const counts = yield* queue.counts(domain)
      for (const [state, value] of Object.entries(counts)) {
        yield* Metric.update(Metric.withAttributes(queueDepth, { domain, state }), value)
      }
    }
    for (const worker of workers) {
      yield* Metric.update(Metric.withAttributes(inFlight, { domain: worker.domain }), worker.running().length)
    }
  })
