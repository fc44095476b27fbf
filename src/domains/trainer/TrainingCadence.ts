import { Effect } from "effect"

/**
 * How often a training loop hands the thread back to the Effect scheduler. Node runs every fiber
 * on one thread, so a loop that never yields starves heartbeats and event publishing and cannot
 * be interrupted until it ends. Measured by bench/training.ts (Node 22, 2 cores): one
 * `Effect.yieldNow` costs ~3 µs, i.e. ~0.2% of a 32-sample digits batch (~1.3 ms), ~0.05% of a
 * 32-window char-mlp step (~5 ms) and ~2% of a 32-window char-bigram step (~0.13 ms). That is
 * within run-to-run noise, so yielding after every step is the default.
 */
export const DEFAULT_YIELD_EVERY = 1

/** An effect to run after step `step` (1-based): yields every `every` steps, never when `every` is 0. */
export const yieldAfterStep = (every: number) => (step: number): Effect.Effect<void> =>
  every > 0 && step % every === 0 ? Effect.yieldNow : Effect.void

/** Wall-clock milliseconds for throughput figures (the Effect Clock is frozen under TestClock). */
export const wallMillis = (): number => performance.now()
