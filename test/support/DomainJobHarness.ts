/**
 * Runs domain jobs on the real worker against a throwaway redis-server and an in-memory result
 * store: enqueue a payload, wait for the job to finish, read its events and stored outputs.
 */
import { Effect, Layer, Option, Schema, Stream } from "effect"
import type { JobDomain } from "../../src/contracts/JobDomain.js"
import type { JobEventV1 } from "../../src/contracts/LifecycleEvents.js"
import { EventBus } from "../../src/runtime/EventBus.js"
import type { JobDefinition } from "../../src/runtime/JobDefinition.js"
import { JobQueue } from "../../src/runtime/JobQueue.js"
import { type JobRecord, JobStore } from "../../src/runtime/JobStore.js"
import { ResultStore } from "../../src/runtime/ResultStore.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../../src/runtime/RuntimeLayer.js"
import { startWorker } from "../../src/runtime/Worker.js"
import { redisClientOnServer, RedisServer } from "./RedisServer.js"

/** One redis-server and one in-memory store (limit `storeMaxBytes`) for a test file. */
export const domainJobLayer = (storeMaxBytes = 64 * 1024 * 1024) =>
  Layer.merge(
    runtimeLayer(redisClientOnServer.pipe(Layer.provide(RedisServer.layer())), RuntimeConfig.layerWith({ leaseMs: 10_000, defaultBackoffMs: 20 })),
    ResultStore.layerMemory({ maxBytes: storeMaxBytes })
  )

/** Starts the domain's worker in the current scope (stopped when the test's scope closes). */
export const startDomainWorker = <P>(job: JobDefinition<P, ResultStore>) =>
  startWorker(job, { concurrency: 2, idleWaitMs: 50, graceMs: 500 })

export const enqueue = (domain: JobDomain, payload: unknown) =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    const { jobId } = yield* queue.enqueue({ domain, userId: 7n, payload, maxAttempts: 1 })
    return jobId
  })

/** Waits until the job is completed or failed and returns its record. */
export const awaitFinished = (domain: JobDomain, jobId: string) =>
  Effect.gen(function*() {
    const store = yield* JobStore
    for (let i = 0; i < 1_500; i++) {
      const record = yield* store.loadRecord(domain, jobId)
      if (Option.isSome(record) && (record.value.status.status === "completed" || record.value.status.status === "failed")) {
        return record.value
      }
      yield* Effect.sleep("20 millis")
    }
    return yield* Effect.die(new Error(`${domain} job ${jobId} did not finish`))
  })

/** The job's lifecycle events from the log, from started to its completed or failed event. */
export const jobEvents = (domain: JobDomain, jobId: string) =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    const events = yield* bus.subscribe(domain, { from: "0" }).pipe(
      Stream.map((e): JobEventV1 | undefined =>
        e.message._tag === "Lifecycle" && e.message.event.job_id === jobId ? e.message.event : undefined),
      Stream.filter((e): e is JobEventV1 => e !== undefined),
      Stream.takeUntil((e) => e.type.endsWith(".completed.v1") || e.type.endsWith(".failed.v1")),
      Stream.runCollect
    )
    return Array.from(events)
  })

export const progressMessages = (events: ReadonlyArray<JobEventV1>): Array<string> =>
  events.flatMap((e) => ("progress" in e && e.message !== undefined ? [e.message] : []))

/** The completed record's result read back from the store. */
export const readResult = (record: JobRecord) =>
  Effect.gen(function*() {
    if (record.status.status !== "completed" || record.resultId === null) {
      return yield* Effect.die(new Error(`job is ${record.status.status}: ${record.lastError ?? ""}`))
    }
    const bytes = yield* (yield* ResultStore).get(record.resultId)
    if (bytes.byteLength !== record.resultBytes) return yield* Effect.die(new Error("stored size differs from result_bytes"))
    return bytes
  })

export const readText = (id: string) =>
  Effect.gen(function*() {
    const bytes = yield* (yield* ResultStore).get(id)
    return new TextDecoder().decode(bytes)
  })

/** Decodes JSON bytes with a schema naming the fields a test reads. */
export const decodeJson = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, bytes: Uint8Array) =>
  Schema.decodeUnknownEffect(Schema.fromJsonString(schema))(new TextDecoder().decode(bytes)).pipe(Effect.orDie)

export const putInput = (bytes: Uint8Array) =>
  Effect.gen(function*() {
    return yield* (yield* ResultStore).put(bytes)
  })

export const putText = (text: string) => putInput(new TextEncoder().encode(text))
