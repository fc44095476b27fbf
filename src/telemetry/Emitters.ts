/**
 * The buffered emitters (HTTP, PostgreSQL) and the emitter chosen by configuration.
 *
 * HTTP: batches of one domain's events are POSTed as a JSON array of envelopes to
 * `TELEMETRY_HTTP_ENDPOINT`, the domain in the `x-telemetry-domain` header. 2xx is delivered; a
 * transport error, 408, 429 and 5xx are retried with backoff; any other status refuses the batch for good.
 *
 * `TELEMETRY_EMITTERS` (comma separated: log, redis, http, postgres; default "log") picks the layers
 * `layerConfig` fans out to.
 */
import { Config, Duration, Effect, Layer, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import type { SqlClient } from "effect/sql"
import { PositiveInt } from "../contracts/WireFields.js"
import type { RedisClient } from "../redis/RedisClient.js"
import { type BufferSettings, type DeliveryFailure, makeBufferedSink } from "./BufferedSink.js"

export type { BufferSettings } from "./BufferedSink.js"
import { encodeOrCount, layerFanOut, layerLog, layerRedisLog, TelemetryEmitter } from "./TelemetryEmitter.js"
import * as TelemetryStore from "./TelemetryStore.js"

export interface HttpSettings extends BufferSettings {
  readonly endpoint: string
  readonly timeoutMs: number
}

const positive = (name: string, fallback: number) => Config.schema(PositiveInt, name).pipe(Config.withDefault(fallback))

const bufferConfig = (prefix: string) => Config.all({
  capacity: positive(`${prefix}_BUFFER_SIZE`, 10_000),
  batchSize: positive(`${prefix}_BATCH_SIZE`, 500),
  lingerMs: Config.Int(`${prefix}_LINGER_MS`).pipe(Config.withDefault(100)),
  backoffBaseMs: positive(`${prefix}_BACKOFF_BASE_MS`, 100),
  backoffCapMs: positive(`${prefix}_BACKOFF_CAP_MS`, 30_000),
  flushTimeoutMs: positive(`${prefix}_FLUSH_TIMEOUT_MS`, 5_000)
})

export const httpConfig: Config.Config<HttpSettings> = Config.all({
  endpoint: Config.String("TELEMETRY_HTTP_ENDPOINT"),
  timeoutMs: positive("TELEMETRY_HTTP_TIMEOUT_MS", 5_000),
  buffer: bufferConfig("TELEMETRY_HTTP")
}).pipe(Config.map(({ endpoint, timeoutMs, buffer }) => ({ endpoint, timeoutMs, ...buffer })))

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500

/** The HTTP emitter on the given client (tests and the app pass FetchHttpClient). */
export const makeHttp = (settings: HttpSettings) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const deliver = (domain: string, batch: ReadonlyArray<string>): Effect.Effect<void, DeliveryFailure> =>
      client.execute(HttpClientRequest.post(settings.endpoint).pipe(
        HttpClientRequest.setHeader("x-telemetry-domain", domain),
        HttpClientRequest.bodyText(`[${batch.join(",")}]`, "application/json")
      )).pipe(
        Effect.timeout(Duration.millis(settings.timeoutMs)),
        Effect.mapError((error): DeliveryFailure => ({ retryable: true, message: error.message })),
        Effect.flatMap((response) =>
          response.status >= 200 && response.status < 300
            ? Effect.void
            : Effect.fail({ retryable: isRetryableStatus(response.status), message: `${settings.endpoint} answered ${response.status}` })
        ),
        Effect.scoped
      )
    const sink = yield* makeBufferedSink({ emitter: "http", ...settings, deliver })
    const emitter = TelemetryEmitter.of({
      emit: (domain, event) =>
        Effect.gen(function*() {
          const text = yield* encodeOrCount("http", domain, event)
          if (text !== undefined) sink.offer(domain, text)
        })
    })
    return { emitter, sink }
  })

export const layerHttp = (settings: HttpSettings): Layer.Layer<TelemetryEmitter> =>
  Layer.effect(TelemetryEmitter, Effect.map(makeHttp(settings), ({ emitter }) => emitter)).pipe(Layer.provide(FetchHttpClient.layer))

/** Into the event store through a bounded buffer (a job never waits on PostgreSQL). */
export const layerPostgres = (settings: BufferSettings): Layer.Layer<TelemetryEmitter, never, TelemetryStore.TelemetryStore> =>
  Layer.effect(TelemetryEmitter, Effect.gen(function*() {
    const store = yield* TelemetryStore.TelemetryStore
    const sink = yield* makeBufferedSink<Readonly<Record<string, unknown>>>({
      emitter: "postgres",
      ...settings,
      deliver: (domain, batch) =>
        store.insert(domain, batch).pipe(Effect.asVoid, Effect.mapError((error) => ({ retryable: true, message: error.message })))
    })
    return TelemetryEmitter.of({ emit: (domain, event) => Effect.sync(() => void sink.offer(domain, { ...event })) })
  }))

const kinds = ["log", "redis", "http", "postgres"] as const
type Kind = (typeof kinds)[number]
const isKind = (name: string): name is Kind => kinds.some((kind) => kind === name)

// "none" (or an empty value) names no emitter: a worker (whose default it is) then emits nothing.
const EmitterList = Schema.String.check(Schema.isPattern(/^\s*(none|(log|redis|http|postgres)(\s*,\s*(log|redis|http|postgres))*)?\s*$/u, {
  message: `Expected none or a comma-separated list of ${kinds.join(", ")}`
}))

export type EmitterKind = Kind

/** TELEMETRY_EMITTERS as a list of emitter names, `fallback` when unset (workers default to "none": no emitter). */
export const emitterNamesConfig = (fallback: string): Config.Config<ReadonlyArray<Kind>> =>
  Config.schema(EmitterList, "TELEMETRY_EMITTERS").pipe(
    Config.withDefault(fallback),
    Config.map((text) => [...new Set(text.split(",").map((part) => part.trim()).filter(isKind))])
  )

export const emittersConfig: Config.Config<ReadonlyArray<Kind>> = emitterNamesConfig("log")

/** The emitters TELEMETRY_EMITTERS names, fanned out; the postgres one stores through TelemetryStore.layer. */
export const layerConfig: Layer.Layer<TelemetryEmitter, Config.ConfigError, RedisClient | SqlClient.SqlClient> = Layer.unwrap(
  Effect.gen(function*() {
    const names = yield* emittersConfig
    const layers: Array<Layer.Layer<TelemetryEmitter, Config.ConfigError, RedisClient | SqlClient.SqlClient>> = []
    for (const name of names) {
      if (name === "log") layers.push(layerLog)
      if (name === "redis") layers.push(layerRedisLog({ maxLen: yield* positive("TELEMETRY_LOG_MAXLEN", 1_000_000) }))
      if (name === "http") layers.push(layerHttp(yield* httpConfig))
      if (name === "postgres") layers.push(layerPostgres(yield* bufferConfig("TELEMETRY_PG")).pipe(Layer.provide(TelemetryStore.layer)))
    }
    return layers.length === 1 && layers[0] !== undefined ? layers[0] : layerFanOut(layers)
  })
)
