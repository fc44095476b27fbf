/**
 * Runs a training job (digits, trainer) through a real worker on a test redis-server, with a
 * filesystem result store and the metrics emitter, and reads back what was published.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigProvider, Effect, Layer, Option, Redacted, type Scope, Stream } from "effect"
import type { JobDomain } from "../../src/contracts/JobDomain.js"
import { EventBus, type DecodedEvent } from "../../src/runtime/EventBus.js"
import type { JobDefinition } from "../../src/runtime/JobDefinition.js"
import { JobQueue } from "../../src/runtime/JobQueue.js"
import { JobStore } from "../../src/runtime/JobStore.js"
import { type MetricsSettings, MetricsEmitter } from "../../src/runtime/MetricsEmitter.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { ResultStore } from "../../src/runtime/ResultStore.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../../src/runtime/RuntimeLayer.js"
import { startWorker, type WorkerHandle } from "../../src/runtime/Worker.js"
import { RedisServer } from "./RedisServer.js"

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix))

export type HarnessServices = RuntimeServices | MetricsEmitter | ResultStore

const runtimeOnServer = Layer.unwrap(Effect.gen(function*() {
  const server = yield* RedisServer
  const redis = RedisClient.layerIORedis(Redacted.make(server.url)).pipe(Layer.orDie)
  return runtimeLayer(redis, RuntimeConfig.layerWith({ leaseMs: 20_000 }))
}))

/** Runtime + emitter + store over the shared test server; `env` feeds Config (e.g. DIGITS_ARTIFACT_DIR). */
export const harnessLayer = (options: {
  readonly metrics?: Partial<MetricsSettings>
  readonly storeDir: string
  readonly env?: Record<string, string>
}): Layer.Layer<HarnessServices, never, RedisServer> =>
  Layer.mergeAll(
    MetricsEmitter.layerWith(options.metrics ?? {}),
    ResultStore.layerFileSystem({ root: options.storeDir, maxBytes: 64 * 1024 * 1024 }).pipe(Layer.orDie)
  ).pipe(
    Layer.provideMerge(runtimeOnServer),
    Layer.provideMerge(ConfigProvider.layer(ConfigProvider.fromEnv({ env: options.env ?? {} })))
  )

/** Runs `effect` in a scope on a fresh harness, after flushing the server. */
export const fresh = <A, E>(
  effect: Effect.Effect<A, E, HarnessServices | RedisServer | Scope.Scope>,
  harness: Layer.Layer<HarnessServices, never, RedisServer>
) =>
  Effect.gen(function*() {
    yield* (yield* RedisClient).send("FLUSHALL").pipe(Effect.orDie)
    return yield* effect
  }).pipe(Effect.scoped, Effect.provide(harness))

export const startJobWorker = <P, R>(definition: JobDefinition<P, R>) =>
  startWorker(definition, { concurrency: 1, idleWaitMs: 50 })

export type { WorkerHandle }

/** Polls the job record until it is completed or failed. */
export const awaitOutcome = (domain: JobDomain, jobId: string) =>
  Effect.gen(function*() {
    const store = yield* JobStore
    for (;;) {
      const loaded = yield* store.loadRecord(domain, jobId).pipe(Effect.orDie)
      if (Option.isSome(loaded) && (loaded.value.status.status === "completed" || loaded.value.status.status === "failed")) {
        return loaded.value
      }
      yield* Effect.sleep("20 millis")
    }
  })

export const enqueue = (domain: JobDomain, payload: unknown, userId = 7n) =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    return yield* queue.enqueue({ domain, userId, payload, maxAttempts: 1 })
  }).pipe(Effect.orDie)

/** Everything in the domain's event log, read until the job's final lifecycle event. */
export const eventsUntilEnd = (domain: JobDomain, jobId: string) =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    return yield* bus.subscribe(domain, { from: "0" }).pipe(
      Stream.takeUntil((e: DecodedEvent) =>
        e.message._tag === "Lifecycle" && "job_id" in e.message.event && e.message.event.job_id === jobId &&
        (e.message.event.type.endsWith(".completed.v1") || e.message.event.type.endsWith(".failed.v1"))
      ),
      Stream.runCollect,
      Effect.timeout("30 seconds"),
      Effect.orDie
    )
  })

/** Metrics events of the log (in order), after the final lifecycle event was seen. */
export const metricsEvents = (events: ReadonlyArray<DecodedEvent>) =>
  events.flatMap((e) => e.message._tag === "Metrics" ? [e.message.event] : [])
