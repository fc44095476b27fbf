/**
 * `effect-jobs telemetry --domain D [--domain E ...]`: the telemetry projector (src/telemetry). Moves each
 * domain's `{domain}:telemetry:log` into the PostgreSQL event store (DATABASE_URL, or the embedded one in
 * JOBS_DATA_DIR) through the consumer group `telemetry-projector`, and runs the store's maintenance
 * (partitions ahead, aggregates, retention) at start and every `--maintenance-interval-ms`. Several may run
 * at once: they share the group, and entries of one that died are claimed by another.
 * Needs a Redis with consumer groups (REDIS_URL): the in-memory twin has none.
 */
import { Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Database from "../sql/Database.js"
import * as Migrations from "../sql/Migrations.js"
import * as TelemetryMaintenance from "../telemetry/TelemetryMaintenance.js"
import * as TelemetryProjector from "../telemetry/TelemetryProjector.js"
import * as TelemetryStore from "../telemetry/TelemetryStore.js"
import { repeatedDomainFlag, UsageError, withShownDefault } from "./flags.js"

const storeLayer = TelemetryStore.layer.pipe(Layer.provideMerge(Migrations.layer), Layer.provide(Database.layerConfig))

export const telemetryCommand = Command.make("telemetry", {
  domains: repeatedDomainFlag("Project this domain's telemetry log (repeatable, at least one)"),
  consumer: Flag.String("consumer").pipe(Flag.withDescription("This projector's name in the group (default: host-pid)"), Flag.optional),
  batch: Flag.Int("batch").pipe(withShownDefault("Log entries per insert", 500)),
  claimIdleMs: Flag.Int("claim-idle-ms").pipe(withShownDefault("Take over entries another projector left pending this long", 30_000)),
  maintenanceIntervalMs: Flag.Int("maintenance-interval-ms").pipe(
    withShownDefault("Partitions, aggregates and retention every this many ms", TelemetryMaintenance.defaultMaintenanceIntervalMs)
  )
}, ({ domains, consumer, batch, claimIdleMs, maintenanceIntervalMs }) =>
  Effect.gen(function*() {
    if (domains.length === 0) return yield* new UsageError({ command: "telemetry", message: "give at least one --domain" })
    yield* TelemetryMaintenance.run(maintenanceIntervalMs)
    for (const domain of domains) {
      yield* TelemetryProjector.run({ domain, batch, claimIdleMs, ...Option.match(consumer, { onNone: () => ({}), onSome: (name) => ({ consumer: name }) }) })
    }
    yield* Effect.logInfo(`telemetry projector running for ${domains.join(", ")}`)
    return yield* Effect.never
  }).pipe(Effect.scoped, Effect.provide(storeLayer))).pipe(
  Command.withDescription("Project {domain}:telemetry:log into the PostgreSQL telemetry store (consumer group, at least once, idempotent)")
)
