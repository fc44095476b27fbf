/** Settings of the metrics emitter, read through Effect Config (environment by default). */
import { Config, Schema } from "effect"

export interface MetricsSettings {
  /** `EVENTS__ENABLED`: false turns every metrics event into a no-op (lifecycle events are unaffected). */
  readonly enabled: boolean
  /** `EVENTS__BATCH_EVERY`: emit a batch event every this many batches; 0 disables batch events. */
  readonly batchEvery: number
  /** `EVENTS__BATCH_MIN_INTERVAL_MS`: at most one batch event per this many milliseconds (per job); 0: no limit. */
  readonly batchMinIntervalMs: number
  /** `EVENTS__QUEUE_CAPACITY`: batch events held while Redis is slow; beyond it the oldest are dropped. */
  readonly queueCapacity: number
  /** `EVENTS__MILESTONE_CAPACITY`: config/epoch/best/artifact/.../completed events held; beyond it new ones are dropped. */
  readonly milestoneCapacity: number
  /**
   * `EVENTS__LINGER_MS`: after the first event arrives, the drainer waits this long for more before
   * publishing, so a burst goes out as one pipeline (one event per round trip costs ~8x more CPU per
   * event than 16 at once). A flush cuts the wait short. 0: publish at once.
   */
  readonly lingerMs: number
  /** `EVENTS__FLUSH_TIMEOUT_MS`: how long a job waits at its end for its queued metrics to be published. */
  readonly flushTimeoutMs: number
}

export const defaultMetricsSettings: MetricsSettings = {
  enabled: true,
  batchEvery: 10,
  batchMinIntervalMs: 250,
  queueCapacity: 1024,
  milestoneCapacity: 4096,
  lingerMs: 20,
  flushTimeoutMs: 2_000
}

const nonNegativeInt = (name: string, fallback: number) =>
  Config.schema(
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(0, { message: `${name} must be a whole number >= 0` })),
    name
  ).pipe(Config.withDefault(fallback))

const positiveInt = (name: string, fallback: number) =>
  Config.schema(
    Schema.Int.check(Schema.isGreaterThan(0, { message: `${name} must be a whole number > 0` })),
    name
  ).pipe(Config.withDefault(fallback))

export const metricsSettingsConfig: Config.Config<MetricsSettings> = Config.all({
  enabled: Config.Boolean("EVENTS__ENABLED").pipe(Config.withDefault(defaultMetricsSettings.enabled)),
  batchEvery: nonNegativeInt("EVENTS__BATCH_EVERY", defaultMetricsSettings.batchEvery),
  batchMinIntervalMs: nonNegativeInt("EVENTS__BATCH_MIN_INTERVAL_MS", defaultMetricsSettings.batchMinIntervalMs),
  queueCapacity: positiveInt("EVENTS__QUEUE_CAPACITY", defaultMetricsSettings.queueCapacity),
  milestoneCapacity: positiveInt("EVENTS__MILESTONE_CAPACITY", defaultMetricsSettings.milestoneCapacity),
  lingerMs: nonNegativeInt("EVENTS__LINGER_MS", defaultMetricsSettings.lingerMs),
  flushTimeoutMs: nonNegativeInt("EVENTS__FLUSH_TIMEOUT_MS", defaultMetricsSettings.flushTimeoutMs)
})
