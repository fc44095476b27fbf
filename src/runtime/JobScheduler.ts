/**
 * The fiber scheduler of the runtime. Effect's default starts forked fibers and resumes yielding
 * ones on a later turn of the event loop (setImmediate); a job's path from a Redis reply to its
 * next command forks and yields several times (the job's fiber, the claim loop, the batch
 * sender), and each turn costs a poll of the loop. Here they run as microtasks in the same turn,
 * up to a bound: after 64 microtask rounds, or 2 ms since the turn began, the next one goes
 * through setImmediate, so timers and sockets are never starved by busy fibers.
 */
import { Layer, Scheduler } from "effect"

const maxMicrotaskRounds = 64
const maxTurnMs = 2

const makeDispatch = () => {
  let rounds = 0
  let turnStarted = 0
  // A turn opens with its first wake-up and closes at the loop's next check phase.
  let turnOpen = false
  const closeTurn = () => {
    turnOpen = false
  }
  return (task: () => void): (() => void) => {
    if (!turnOpen) {
      turnOpen = true
      rounds = 0
      turnStarted = performance.now()
      setImmediate(closeTurn)
    }
    if (rounds < maxMicrotaskRounds && performance.now() - turnStarted < maxTurnMs) {
      rounds++
      let cancelled = false
      queueMicrotask(() => {
        if (!cancelled) task()
      })
      return () => {
        cancelled = true
      }
    }
    // The turn's budget is spent: the task waits for the next turn, after timers and sockets.
    const timer = setImmediate(task)
    return () => clearImmediate(timer)
  }
}

/** Provides the scheduler to everything built on the runtime layer. */
export const jobSchedulerLayer: Layer.Layer<never> = Layer.succeed(Scheduler.Scheduler, new Scheduler.MixedScheduler("async", makeDispatch()))
