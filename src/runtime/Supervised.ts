/**
 * Supervision of the runtime's long-running loops (claim lanes, idle waiter, lease renewal,
 * registry heartbeat, recovery sweep, scheduler, cancel listener, metrics flusher).
 *
 * A loop is a round repeated forever. When a round fails, with a typed error or a defect, the
 * supervisor logs the whole cause (annotated with `domain`, `worker` and `loop`), counts it in
 * `jobs_runtime_restarts_total{domain,loop}` and starts the loop again after a backoff taken from
 * a Schedule (exponential, capped at a few seconds). A loop that has not failed for
 * `healthyAfterMs` is healthy again and its backoff starts over. A loop that keeps failing
 * (`unreadyAfterFailures` failures in a row, or failing for `unreadyAfterMs`) is reported by
 * `failing()`: the worker then answers not ready on `/readyz` and stops its registry heartbeat.
 *
 * Successful rounds cost nothing extra: the supervisor wraps the loop, not each round, and reads
 * health lazily from the time of the last failure.
 */
import { Cause, Clock, Context, Duration, Effect, type Fiber, Metric, Schedule, type Scope } from "effect"

export const runtimeRestarts = Metric.counter("jobs_runtime_restarts_total", {
  description: "Restarts of the runtime's long-running loops after a failure or defect, by domain and loop"
})

export interface SupervisionSettings {
  /** First restart delay; it doubles with each failure in a row... */
  readonly backoffBaseMs: number
  /** ...up to this. */
  readonly backoffCapMs: number
  /** A loop that has not failed for this long is healthy and its backoff starts over (at least twice the cap). */
  readonly healthyAfterMs: number
  /** Failures in a row after which the loop marks its worker not ready. */
  readonly unreadyAfterFailures: number
  /** Or: failing for this long marks it not ready. */
  readonly unreadyAfterMs: number
}

export const defaultSupervisionSettings: SupervisionSettings = {
  backoffBaseMs: 100,
  backoffCapMs: 5_000,
  healthyAfterMs: 10_000,
  unreadyAfterFailures: 5,
  unreadyAfterMs: 30_000
}

/** The settings loops are supervised with; tests provide shorter ones. */
export const LoopSupervision = Context.Reference<SupervisionSettings>("jobs/LoopSupervision", {
  defaultValue: () => defaultSupervisionSettings
})

export interface LoopId {
  readonly domain: string | undefined
  readonly loop: string
}

/**
 * Fault injection for tests: when provided, it runs before every round of every loop started
 * under it, and a failure or defect it raises counts as the loop's own. Unset (the default), the
 * rounds run exactly as written.
 */
export const LoopFaults = Context.Reference<((id: LoopId) => Effect.Effect<void, unknown>) | undefined>("jobs/LoopFaults", {
  defaultValue: () => undefined
})

/** A loop that keeps failing, as /readyz reports it. */
export interface FailingLoop {
  readonly domain: string | undefined
  readonly worker: string | undefined
  readonly loop: string
  readonly failures: number
  /** When its failures in a row began (ISO 8601). */
  readonly since: string
  /** The last failure, first line of its cause. */
  readonly error: string
}

export interface LoopOptions {
  /** For loops whose every round waits on something (a slot, Redis): skip the fiber yield between rounds. */
  readonly disableYield?: boolean
  /** Runs (synchronously) when a round failed, before the restart: gives back what the round held. */
  readonly onFailure?: () => void
}

export interface Supervisor {
  readonly domain: string | undefined
  readonly worker: string | undefined
  /** Forks `round`, repeated forever under supervision, into the current scope; returns the loop's fiber. */
  readonly run: <E, R>(
    loop: string,
    round: Effect.Effect<unknown, E, R>,
    options?: LoopOptions
  ) => Effect.Effect<Fiber.Fiber<unknown, unknown>, never, R | Scope.Scope>
  /** Loops that keep failing now. */
  readonly failing: () => ReadonlyArray<FailingLoop>
}

interface LoopState {
  readonly loop: string
  failures: number
  streakStart: number
  lastFailure: number
  error: string
  reported: boolean
}

export const describeCause = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.findErrorOption(cause)
  if (failure._tag === "Some") {
    const error: unknown = failure.value
    return typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)
  }
  const defect = Cause.findDefect(cause)
  if (defect._tag === "Success") {
    const value = defect.success
    return value instanceof Error ? `${value.name}: ${value.message}` : `defect: ${String(value)}`
  }
  return Cause.pretty(cause).split("\n")[0] ?? "unknown failure"
}

/** The restart delays: exponential from the base, capped. */
export const restartBackoff = (settings: SupervisionSettings): Schedule.Schedule<Duration.Duration> =>
  Schedule.min([Schedule.exponential(Duration.millis(settings.backoffBaseMs)), Schedule.spaced(Duration.millis(settings.backoffCapMs))])

/** A supervisor for the loops of one worker (or, without a worker, of a process-wide service). */
export const makeSupervisor = (owner: { readonly domain?: string; readonly worker?: string }): Effect.Effect<Supervisor> =>
  Effect.gen(function*() {
    const settings = yield* LoopSupervision
    const faults = yield* LoopFaults
    const clock = yield* Clock.Clock
    const { domain, worker } = owner
    const healthyAfterMs = Math.max(settings.healthyAfterMs, settings.backoffCapMs * 2)
    const states = new Map<string, LoopState>()
    const annotations = { ...(domain === undefined ? {} : { domain }), ...(worker === undefined ? {} : { worker }) }

    const isFailing = (state: LoopState, now: number) =>
      state.failures > 0 && now - state.lastFailure < healthyAfterMs &&
      (state.failures >= settings.unreadyAfterFailures || now - state.streakStart >= settings.unreadyAfterMs)

    const run = <E, R>(loop: string, round: Effect.Effect<unknown, E, R>, options: LoopOptions = {}) =>
      Effect.gen(function*() {
        const counter = Metric.withAttributes(runtimeRestarts, domain === undefined ? { loop } : { domain, loop })
        yield* Metric.update(counter, 0)
        const state: LoopState = { loop, failures: 0, streakStart: 0, lastFailure: -Infinity, error: "", reported: false }
        states.set(loop, state)
        const backoff = restartBackoff(settings)
        let nextDelay = yield* Schedule.toStep(backoff)
        const hooked = faults === undefined ? round : Effect.andThen(faults({ domain, loop }), round)
        const rounds = options.disableYield === true ? Effect.forever(hooked, { disableYield: true }) : Effect.forever(hooked)

        const restart = (cause: Cause.Cause<unknown>) =>
          Effect.gen(function*() {
            options.onFailure?.()
            const now = clock.currentTimeMillisUnsafe()
            if (now - state.lastFailure >= healthyAfterMs) {
              // Healthy since the last failure: a new streak, and the backoff starts over.
              state.failures = 0
              state.streakStart = now
              state.reported = false
              nextDelay = yield* Schedule.toStep(backoff)
            }
            state.failures++
            state.lastFailure = now
            state.error = describeCause(cause)
            yield* Metric.update(counter, 1)
            const [delay] = yield* nextDelay(now, undefined).pipe(Effect.orElseSucceed(() => [Duration.millis(settings.backoffCapMs), Duration.zero] as const))
            yield* Effect.logError(`loop ${loop} failed (${state.failures} in a row); restarting in ${Duration.toMillis(delay)} ms`, cause).pipe(
              Effect.annotateLogs({ failures: state.failures })
            )
            if (!state.reported && isFailing(state, now)) {
              state.reported = true
              yield* Effect.logError(`loop ${loop} keeps failing: the worker is not ready until it recovers`)
            }
            yield* Effect.sleep(delay)
          })

        return yield* rounds.pipe(
          Effect.catchCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : restart(cause)),
          Effect.forever,
          Effect.annotateLogs({ ...annotations, loop }),
          Effect.forkScoped
        )
      })

    const failing = (): ReadonlyArray<FailingLoop> => {
      const now = clock.currentTimeMillisUnsafe()
      const out: Array<FailingLoop> = []
      for (const state of states.values()) {
        if (!isFailing(state, now)) continue
        out.push({
          domain, worker, loop: state.loop, failures: state.failures,
          since: new Date(state.streakStart).toISOString(), error: state.error
        })
      }
      return out
    }

    return { domain, worker, run, failing }
  })
