/**
 * What the harness and a worker child process say to each other over Node IPC, and the
 * settings a child starts with. Messages are decoded with a schema, never trusted as typed.
 */
import { Schema } from "effect"

export const SystemName = Schema.Literals(["ours", "bullmq", "bee-queue"])
export type SystemName = typeof SystemName.Type

/** What a worker child runs: passed as one JSON argument. */
export const WorkerSpec = Schema.Struct({
  system: SystemName,
  redisUrl: Schema.String,
  queue: Schema.String,
  concurrency: Schema.Int,
  /** Progress updates each job reports before it returns. */
  progress: Schema.Int,
  /** Record enqueue -> handler-start latency from the payload's timestamp. */
  recordStart: Schema.Boolean
})
export type WorkerSpec = typeof WorkerSpec.Type

/** Harness -> child. */
export const ToWorker = Schema.Union([
  Schema.TaggedStruct("Go", {}),
  Schema.TaggedStruct("Stop", {})
])
export type ToWorker = typeof ToWorker.Type

/** Child -> harness. `at` is wall-clock ms with sub-ms precision (see `wallClockMs`). */
export const FromWorker = Schema.Union([
  Schema.TaggedStruct("Ready", {}),
  Schema.TaggedStruct("Completed", { count: Schema.Int, at: Schema.Number }),
  Schema.TaggedStruct("Stopped", {
    count: Schema.Int,
    peakRssBytes: Schema.Number,
    /** User + system CPU of the worker process from Go to Stop, ms. */
    cpuMs: Schema.Number,
    startLatenciesMs: Schema.Array(Schema.Number)
  }),
  Schema.TaggedStruct("Failed", { message: Schema.String })
])
export type FromWorker = typeof FromWorker.Type

export const decodeToWorker = Schema.decodeUnknownSync(ToWorker)
export const decodeFromWorker = Schema.decodeUnknownSync(FromWorker)
export const decodeWorkerSpec = Schema.decodeUnknownSync(Schema.fromJsonString(WorkerSpec))
export const encodeWorkerSpec = Schema.encodeSync(Schema.fromJsonString(WorkerSpec))

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export const wallClockMs = (): number => performance.timeOrigin + performance.now()

/** The payload every system's jobs carry: `t` is the enqueue time in latency runs, 0 otherwise. */
export interface BenchPayload {
  readonly t: number
}
