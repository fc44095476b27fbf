/**
 * The loops that keep a worker's claims alive and visible, each supervised on its own so one's
 * failure never skips another's work:
 * - `lease-renewal` extends the leases of the jobs running here, stops those whose lease was lost
 *   and those whose cancel this worker missed;
 * - `registry-heartbeat` refreshes the worker's entry in `{domain}:workers` while the worker is
 *   ready, and stops (removing the entry) while one of its loops keeps failing;
 * - `recovery` hands the jobs of dead workers (expired leases) back to the queue.
 */
import { Duration, Effect, type Scope } from "effect"
import type { JobDomain } from "../contracts/JobDomain.js"
import { JobQueue } from "./JobQueue.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import type { Supervisor } from "./Supervised.js"
import { WorkerRegistry } from "./WorkerRegistry.js"

export type StopReason = "shutdown" | "cancelled" | "lease-lost"

export interface LeaseKeeperOptions {
  readonly domain: JobDomain
  readonly workerId: string
  readonly supervisor: Supervisor
  /** The jobs running here now. */
  readonly running: () => ReadonlyArray<{ readonly jobId: string; readonly executionId: string }>
  readonly stopJob: (jobId: string, reason: StopReason) => Effect.Effect<boolean>
}

export const registryLoop = "registry-heartbeat"

export const runLeaseLoops = (
  options: LeaseKeeperOptions
): Effect.Effect<void, never, JobQueue | WorkerRegistry | RuntimeConfig | Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    const registry = yield* WorkerRegistry
    const settings = yield* RuntimeConfig
    const { domain, workerId, supervisor, stopJob } = options
    const beat = Duration.millis(Math.max(50, Math.floor(settings.leaseMs / 3)))

    yield* supervisor.run("lease-renewal", Effect.gen(function*() {
      const renewal = yield* queue.extendLeases(domain, options.running())
      for (const jobId of renewal.lost) yield* stopJob(jobId, "lease-lost")
      // The fallback for a cancel control message this worker missed (e.g. while reconnecting).
      for (const jobId of renewal.cancelRequested) yield* stopJob(jobId, "cancelled")
      yield* Effect.sleep(beat)
    }))

    // Not ready: another loop keeps failing (this loop's own failures do not count here, or a
    // failing registry write would stop the very write that tells whether it works again).
    let registered = true
    yield* supervisor.run(registryLoop, Effect.gen(function*() {
      const failing = supervisor.failing().filter((f) => f.loop !== registryLoop)
      if (failing.length === 0) {
        yield* registry.heartbeat(domain, workerId, settings.leaseMs)
        if (!registered) yield* Effect.logInfo("worker ready again: registry heartbeat resumed")
        registered = true
      } else if (registered) {
        registered = false
        yield* Effect.logError(`worker not ready: ${failing.map((f) => f.loop).join(", ")} keep failing; registry heartbeat stopped`)
        yield* registry.deregister(domain, workerId).pipe(Effect.timeoutOption(Duration.seconds(1)), Effect.ignore)
      }
      yield* Effect.sleep(beat)
    }))

    yield* supervisor.run("recovery", Effect.gen(function*() {
      const { dead, requeued, cancelled, problems } = yield* queue.recoverExpired(domain)
      for (const problem of problems) yield* Effect.logError(`recovery: ${problem}`)
      if (requeued.length > 0 || dead.length > 0 || cancelled.length > 0) {
        yield* Effect.logInfo("recovered jobs with expired leases").pipe(Effect.annotateLogs({
          requeued: requeued.join(","), dead: dead.join(","), cancelled: cancelled.join(",")
        }))
      }
      yield* Effect.sleep(Duration.millis(Math.min(5_000, Math.max(100, Math.floor(settings.leaseMs / 2)))))
    }))
  })
