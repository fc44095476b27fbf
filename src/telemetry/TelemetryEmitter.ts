/**
 * Where job telemetry (seed 004's envelopes, src/contracts/Telemetry.ts) goes. One service, several
 * layers, composable with `layerFanOut`:
 *
 * - `layerLog` (the default): one structured log line per event, the envelope as annotations;
 * - `layerRedisLog`: XADD of the encoded envelope to the per-domain durable log `{domain}:telemetry:log`
 *   (capped, `MAXLEN ~`), which TelemetryProjector moves into PostgreSQL: the one the runtime uses;
 * - `Emitters.layerHttp` / `Emitters.layerPostgres`: batched through a bounded buffer (BufferedSink.ts).
 *
 * `emit` never fails and never waits on a slow destination: a job's outcome must not depend on its
 * telemetry. A failure is logged and counted in `telemetry_emit_failures_total{emitter}`; an event that
 * does not encode against its schema is counted there too and goes nowhere.
 */
import { Context, Effect, Layer, Metric } from "effect"
import { encodeTelemetryEvent, type TelemetryEvent } from "../contracts/Telemetry.js"
import { RedisClient } from "../redis/RedisClient.js"

export const telemetryEmitFailures = Metric.counter("telemetry_emit_failures_total", {
  description: "Telemetry events an emitter could not encode or hand to its destination"
})

export class TelemetryEmitter extends Context.Service<TelemetryEmitter, {
  /** Sends one event of `domain`'s jobs; never fails. */
  readonly emit: (domain: string, event: TelemetryEvent) => Effect.Effect<void>
}>()("jobs/TelemetryEmitter") {}

/** The per-domain durable log the projector reads. */
export const telemetryLogKey = (domain: string): string => `${domain}:telemetry:log`

export const emitFailure = (emitter: string, domain: string, event: TelemetryEvent, message: string) =>
  Effect.logWarning(`telemetry ${event.event_type} ${event.event_id} not emitted: ${message}`).pipe(
    Effect.annotateLogs({ module: "TelemetryEmitter", emitter, domain, job_id: event.job_id }),
    Effect.andThen(Metric.update(Metric.withAttributes(telemetryEmitFailures, { emitter }), 1))
  )

/** Encodes through the contract (so only valid envelopes leave); undefined after counting a failure. */
export const encodeOrCount = (emitter: string, domain: string, event: TelemetryEvent) =>
  encodeTelemetryEvent(event).pipe(
    Effect.catch((error) => Effect.as(emitFailure(emitter, domain, event, error.message), undefined))
  )

export const layerLog: Layer.Layer<TelemetryEmitter> = Layer.succeed(TelemetryEmitter, TelemetryEmitter.of({
  emit: (domain, event) =>
    Effect.logInfo(`telemetry ${event.event_type}`).pipe(Effect.annotateLogs({ module: "telemetry", domain, ...event }))
}))

export interface RedisLogOptions {
  /** Approximate entries kept per domain log (`XADD ... MAXLEN ~`). */
  readonly maxLen: number
}

export const layerRedisLog = (options: RedisLogOptions): Layer.Layer<TelemetryEmitter, never, RedisClient> =>
  Layer.effect(TelemetryEmitter, Effect.gen(function*() {
    const redis = yield* RedisClient
    const maxLen = String(options.maxLen)
    return TelemetryEmitter.of({
      emit: (domain, event) =>
        Effect.gen(function*() {
          const text = yield* encodeOrCount("redis", domain, event)
          if (text === undefined) return
          yield* redis.send("XADD", telemetryLogKey(domain), "MAXLEN", "~", maxLen, "*", "event", text).pipe(
            Effect.catch((error) => emitFailure("redis", domain, event, error.message))
          )
        })
    })
  }))

/** Every event to each of the given emitters, in order; one failing does not stop the others. */
export const layerFanOut = <E, R>(layers: ReadonlyArray<Layer.Layer<TelemetryEmitter, E, R>>): Layer.Layer<TelemetryEmitter, E, R> =>
  Layer.effect(TelemetryEmitter, Effect.gen(function*() {
    const emitters: Array<TelemetryEmitter["Service"]> = []
    for (const layer of layers) emitters.push(Context.get(yield* Layer.build(layer), TelemetryEmitter))
    return TelemetryEmitter.of({
      emit: (domain, event) => Effect.forEach(emitters, (emitter) => emitter.emit(domain, event), { discard: true })
    })
  }))
