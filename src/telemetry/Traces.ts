/**
 * Trace export (issue 19): the job attempts' spans (src/runtime/worker/tracing.ts), and any span a
 * process makes, go over OTLP/HTTP to a collector when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set. Unset, nothing changes: Effect's default tracer
 * stays, and the worker, seeing it, makes no spans at all.
 *
 * Read, as the OpenTelemetry SDKs read them: `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL, `/v1/traces`
 * appended) or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is), `OTEL_EXPORTER_OTLP_PROTOCOL` /
 * `..._TRACES_PROTOCOL` (`http/protobuf`, the default, or `http/json`; gRPC is refused at start),
 * `OTEL_EXPORTER_OTLP_HEADERS` / `..._TRACES_HEADERS` (`key=value,...`, secret), `OTEL_SERVICE_NAME`
 * (default `effect-jobs`), `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_BSP_SCHEDULE_DELAY` (ms between
 * exports, default 5000) and `OTEL_SDK_DISABLED=true`. Spans still buffered are sent when the
 * layer's scope closes (a worker's drain), within 3 s.
 *
 * Effect's own `OtlpTracer.layerFromConfig` is not used: it exports only when `OTEL_TRACES_EXPORTER`
 * names otlp, and this runtime's contract is that the endpoint alone turns export on.
 */
import { Config, Duration, Effect, Layer, Option, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { OtlpExporter, OtlpSerialization, OtlpTracer } from "effect/observability"

export type OtlpProtocol = "http/protobuf" | "http/json"

export interface TracesSettings {
  /** The traces URL itself (`.../v1/traces`). */
  readonly url: string
  readonly protocol: OtlpProtocol
  readonly serviceName: string
  readonly headers: Readonly<Record<string, string>>
  readonly exportIntervalMs: number
}

export const defaultServiceName = "effect-jobs"

const protocol = (name: string) => Config.Literals(["http/protobuf", "http/json"], name)

/** `key=value,key2=value2` with percent-encoded values (the OTel environment's form). */
const parseHeaders = (text: string): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const pair of text.split(",")) {
    const at = pair.indexOf("=")
    if (at > 0) headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim())
  }
  return headers
}

const headersConfig = (name: string) => Config.option(Config.Redacted(name))

/** Undefined when no endpoint is set or the SDK is disabled: then nothing is exported. */
export const tracesConfig: Config.Config<TracesSettings | undefined> = Config.all({
  disabled: Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
  tracesEndpoint: Config.option(Config.URL("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")),
  endpoint: Config.option(Config.URL("OTEL_EXPORTER_OTLP_ENDPOINT")),
  tracesProtocol: Config.option(protocol("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")),
  baseProtocol: Config.option(protocol("OTEL_EXPORTER_OTLP_PROTOCOL")),
  tracesHeaders: headersConfig("OTEL_EXPORTER_OTLP_TRACES_HEADERS"),
  baseHeaders: headersConfig("OTEL_EXPORTER_OTLP_HEADERS"),
  serviceName: Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault(defaultServiceName)),
  exportIntervalMs: Config.Int("OTEL_BSP_SCHEDULE_DELAY").pipe(Config.withDefault(5_000))
}).pipe(Config.map((c): TracesSettings | undefined => {
  const url = Option.isSome(c.tracesEndpoint)
    ? c.tracesEndpoint.value.toString()
    : Option.isSome(c.endpoint)
    ? `${c.endpoint.value.toString().replace(/\/$/, "")}/v1/traces`
    : undefined
  if (c.disabled || url === undefined) return undefined
  const headers = Option.orElse(c.tracesHeaders, () => c.baseHeaders)
  return {
    url,
    protocol: Option.getOrElse(Option.orElse(c.tracesProtocol, () => c.baseProtocol), (): OtlpProtocol => "http/protobuf"),
    serviceName: c.serviceName,
    headers: Option.isSome(headers) ? parseHeaders(Redacted.value(headers.value)) : {},
    exportIntervalMs: c.exportIntervalMs
  }
}))

/**
 * Installs the OTLP tracer as the process's tracer. The Flusher sends buffered spans at once
 * (tests use it; the layer's scope closing does the same).
 */
export const layerOtlp = (settings: TracesSettings): Layer.Layer<OtlpExporter.Flusher> =>
  OtlpTracer.layer({
    url: settings.url,
    resource: { serviceName: settings.serviceName },
    headers: settings.headers,
    exportInterval: Duration.millis(settings.exportIntervalMs)
  }).pipe(
    Layer.provide(settings.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
    Layer.provide(FetchHttpClient.layer)
  )

/** From the environment (see above); with no endpoint only a Flusher that does nothing. */
export const layerConfig: Layer.Layer<OtlpExporter.Flusher, Config.ConfigError> = Layer.unwrap(
  Effect.gen(function*() {
    const settings = yield* tracesConfig
    return settings === undefined ? OtlpExporter.layerFlusher : layerOtlp(settings)
  })
)
