/** Runtime settings, read through Effect Config (environment by default). */
import { Config, Context, Layer, Schema } from "effect"

export interface RuntimeSettings {
  /** How long a claimed job stays owned without a heartbeat before any worker may recover it. */
  readonly leaseMs: number
  /** Approximate length kept in each domain's event log stream. */
  readonly eventsMaxLen: number
  /** How long completed and failed job records are kept. 0 keeps them forever. */
  readonly retentionMs: number
  /** Largest accepted payload (encoded JSON bytes). */
  readonly maxPayloadBytes: number
  /** Attempts a job gets unless it says otherwise. */
  readonly defaultMaxAttempts: number
  /** First retry delay; later ones double, with jitter. */
  readonly defaultBackoffMs: number
  /** Approximate length kept in each domain's telemetry log `{domain}:telemetry:log` (the projector drains it). */
  readonly telemetryLogMaxLen: number
}

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

const positiveInt = (name: string, fallback: number) =>
  Config.schema(PositiveInt, name).pipe(Config.withDefault(fallback))

export const runtimeSettingsConfig: Config.Config<RuntimeSettings> = Config.all({
  leaseMs: positiveInt("JOBS_LEASE_MS", 30_000),
  eventsMaxLen: positiveInt("JOBS_EVENTS_MAXLEN", 10_000),
  retentionMs: Config.schema(NonNegativeInt, "JOBS_RETENTION_MS").pipe(Config.withDefault(7 * 24 * 3600 * 1000)),
  maxPayloadBytes: positiveInt("JOBS_MAX_PAYLOAD_BYTES", 1024 * 1024),
  defaultMaxAttempts: positiveInt("JOBS_MAX_ATTEMPTS", 3),
  defaultBackoffMs: positiveInt("JOBS_BACKOFF_MS", 1_000),
  telemetryLogMaxLen: positiveInt("TELEMETRY_LOG_MAXLEN", 1_000_000)
})

export const defaultRuntimeSettings: RuntimeSettings = {
  leaseMs: 30_000,
  eventsMaxLen: 10_000,
  retentionMs: 7 * 24 * 3600 * 1000,
  maxPayloadBytes: 1024 * 1024,
  defaultMaxAttempts: 3,
  defaultBackoffMs: 1_000,
  telemetryLogMaxLen: 1_000_000
}

export class RuntimeConfig extends Context.Service<RuntimeConfig, RuntimeSettings>()("jobs/RuntimeConfig") {
  static readonly layer = Layer.effect(RuntimeConfig, runtimeSettingsConfig)
  static readonly layerWith = (overrides: Partial<RuntimeSettings>) =>
    Layer.succeed(RuntimeConfig, { ...defaultRuntimeSettings, ...overrides })
}
