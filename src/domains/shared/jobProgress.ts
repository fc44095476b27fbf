/**
 * Progress reporting for domain jobs: the domain logic reports every few items; the job publishes
 * at most `steps + 1` of those as lifecycle progress events, mapped onto a slice of 0..100.
 */
import { Effect } from "effect"
import { JobContext } from "../../runtime/JobContext.js"

export interface ProgressSlice {
  /** Job progress (0..100) when the work starts and when it is done. */
  readonly from: number
  readonly to: number
  /** How many evenly spaced events to publish at most (plus one at the start when reported). */
  readonly steps?: number
}

export const defaultProgressSteps = 16

/** A `(done, total)` reporter for domain logic that publishes only when another step is reached. */
export const throttledProgress = (slice: ProgressSlice, describe: (done: number, total: number) => string) =>
  Effect.gen(function*() {
    const ctx = yield* JobContext
    const steps = slice.steps ?? defaultProgressSteps
    let lastStep = -1
    return (done: number, total: number) => {
      const fraction = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total))
      const step = Math.floor(fraction * steps)
      if (step <= lastStep) return Effect.void
      lastStep = step
      return ctx.publishProgress(slice.from + (slice.to - slice.from) * fraction, describe(done, total))
    }
  })
