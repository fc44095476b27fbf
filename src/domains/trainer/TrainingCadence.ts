import { Effect } from "effect"

/**
 * How often a training loop hands the thread back to the Effect scheduler. Node runs every fiber
 * on one thread, so a loop that never yields starves heartbeats and event publishing and cannot
 * be interrupted until it ends. Measured by bench/training.ts on 2 cores: one `Effect.yieldNow`
 * costs a few microseconds, below 1% of a 32-sample digits batch (~2 ms) or a 32-window
 * language-model step, so yielding after every step is the default.
 */
export const DEFAULT_YIELD_EVERY = 1

/** An effect to run after step `step` (1-based): yields every `every` steps, never when `every` is 0. */
export const yieldAfterStep = (every: number) => (step: number): Effect.Effect<void> =>
  every > 0 && step % every === 0 ? Effect.yieldNow : Effect.void

/** Wall-clock milliseconds for throughput figures (the Effect Clock is frozen under TestClock). */
export const wallMillis = (): number => performance.now()
