/**
 * Everything a process of jobs needs in one layer: the runtime over a Redis layer, a producer
 * that knows the given jobs, the result store and the metrics emitter. An application composes
 * it at its entry; `jobsLayerConfig` reads the same environment as the CLI.
 */
import { Layer } from "effect"
import * as Traces from "../telemetry/Traces.js"
import type { JobSpec } from "./JobDefinition.js"
import { MetricsEmitter } from "./MetricsEmitter.js"
import { Producer } from "./Producer.js"
import { RedisClient } from "../redis/RedisClient.js"
import { ResultStore } from "./ResultStore.js"
import { RuntimeConfig, type RuntimeSettings } from "./RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "./RuntimeLayer.js"

export type JobsServices = RuntimeServices | Producer | ResultStore | MetricsEmitter

export interface JobsLayerOptions {
  /** Jobs whose JSON payloads the producer checks (typed enqueues are always checked). */
  readonly jobs?: ReadonlyArray<JobSpec>
}

const withServices = <E, E2>(runtime: Layer.Layer<RuntimeServices, E>, results: Layer.Layer<ResultStore, E2>, options: JobsLayerOptions) =>
  Layer.mergeAll(Producer.layerWithJobs(options.jobs ?? []), results, MetricsEmitter.layer).pipe(Layer.provideMerge(runtime))

/**
 * From the environment: `REDIS_URL` (unset: the in-memory twin), `JOBS_*`, `RESULT_STORE_*`, `EVENTS__*`,
 * and `OTEL_EXPORTER_OTLP_ENDPOINT` (unset: no trace export; see telemetry/Traces.ts).
 */
export const jobsLayerConfig = (options: JobsLayerOptions = {}) =>
  Layer.merge(withServices(runtimeLayer(RedisClient.layerConfig, RuntimeConfig.layer), ResultStore.layerConfig, options), Traces.layerConfig)

/**
 * Everything in memory: the Redis twin (which runs the same Lua scripts as a server) and an
 * in-memory result store. For tests, and for one process that both produces and works.
 */
export const jobsLayerMemory = (options: JobsLayerOptions & {
  readonly settings?: Partial<RuntimeSettings>
  readonly resultStoreMaxBytes?: number
} = {}) =>
  withServices(
    runtimeLayer(RedisClient.layerMemory, RuntimeConfig.layerWith(options.settings ?? {})),
    ResultStore.layerMemory({ maxBytes: options.resultStoreMaxBytes ?? 256 * 1024 * 1024 }),
    options
  )
