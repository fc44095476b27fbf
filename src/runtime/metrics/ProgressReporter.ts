/**
 * Lifecycle progress from inside a training loop without waiting on Redis. JobContext's progress
 * write is a round trip; a loop that awaited it would stall whenever Redis is slow or stopped.
 * Here the loop only offers the newest value to a one-slot sliding queue and a child fiber writes
 * it, so intermediate values are skipped while a write is in flight. This is still the lifecycle
 * path (JobContext's fenced script), not the metrics emitter. A failed write is logged: a lost
 * lease is noticed and acted on by the worker's heartbeat, which stops the job.
 */
import { Effect, Queue, type Scope } from "effect"
import { JobContext } from "../JobContext.js"
import { makeSupervisor } from "../Supervised.js"

export interface ProgressReporter {
  /** Progress 0..100 with a message; returns at once. */
  readonly report: (progress: number, message: string) => void
}

interface ProgressUpdate {
  readonly progress: number
  readonly message: string
}

/** The writer fiber lives until the scope closes; the worker's completed/failed write follows it. */
export const makeProgressReporter: Effect.Effect<ProgressReporter, never, JobContext | Scope.Scope> = Effect.gen(function*() {
  const ctx = yield* JobContext
  const latest = yield* Queue.sliding<ProgressUpdate>(1)
  const write = Queue.take(latest).pipe(
    Effect.flatMap((update) => ctx.publishProgress(update.progress, update.message)),
    Effect.catch((error) => Effect.logWarning(`progress update not written: ${error.message}`))
  )
  // Supervised: a defect in one write is logged and counted, and later updates still go out.
  const supervisor = yield* makeSupervisor({ domain: ctx.info.domain })
  yield* supervisor.run("progress-reporter", write).pipe(Effect.annotateLogs({ job_id: ctx.info.jobId }))
  return {
    report: (progress, message) => {
      Queue.offerUnsafe(latest, { progress, message })
    }
  }
})
