/**
 * The event store's maintenance on a schedule: at start, then every `intervalMs`, with the clock's
 * time (so a test's TestClock drives it): partitions for this month and the next N, aggregates of the
 * dirty hours, retention (whole partitions, old aggregates), the per-domain summary. Supervised: a
 * failed round (database down) is logged and retried after a backoff; the next round catches up.
 */
import { Clock, Duration, Effect, type Scope } from "effect"
import { type FailingLoop, makeSupervisor } from "../runtime/Supervised.js"
import { TelemetryStore } from "./TelemetryStore.js"

/** Hourly by default: a month boundary is crossed at most an hour before the next round (and partitions exist ahead). */
export const defaultMaintenanceIntervalMs = 3_600_000

export const run = (intervalMs: number = defaultMaintenanceIntervalMs): Effect.Effect<{ readonly failing: () => ReadonlyArray<FailingLoop> }, never, TelemetryStore | Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* TelemetryStore
    const round = Effect.gen(function*() {
      const result = yield* store.maintain(yield* Clock.currentTimeMillis)
      yield* Effect.logDebug("telemetry maintenance done").pipe(Effect.annotateLogs({
        created: result.created.join(","), dropped: result.dropped.join(","), hours: result.hoursRefreshed
      }))
      yield* Effect.sleep(Duration.millis(intervalMs))
    }).pipe(Effect.annotateLogs({ module: "TelemetryMaintenance" }))
    const supervisor = yield* makeSupervisor({})
    yield* supervisor.run("telemetry-maintenance", round)
    return { failing: supervisor.failing }
  })
