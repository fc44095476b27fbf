/**
 * A Promise facade over the producer and the worker, for code that does not use Effect.
 * Failures reject with the same tagged errors the Effect API fails with (`ContractError`,
 * `EnqueueError`, `JobNotFound`, `OutcomeTimeout`, `RedisError`, ...), each an `Error` with `_tag`.
 */
import { Cause, Effect, Exit, Layer, ManagedRuntime, Redacted, Scope } from "effect"
import type { JobContext } from "./runtime/JobContext.js"
import type { JobDefinition, JobSpec } from "./runtime/JobDefinition.js"
import type { Enqueued } from "./runtime/JobQueue.js"
import { jobsLayerConfig, jobsLayerMemory, type JobsServices } from "./runtime/JobsLayer.js"
import type { JobRecord } from "./runtime/JobStore.js"
import { type EnqueueOptions, type JobOutcome, type JobTarget, Producer } from "./runtime/Producer.js"
import { RedisClient } from "./redis/RedisClient.js"
import { RuntimeConfig, type RuntimeSettings } from "./runtime/RuntimeConfig.js"
import { runtimeLayer } from "./runtime/RuntimeLayer.js"
import type { CancelResult } from "./runtime/Cancellation.js"
import { MetricsEmitter } from "./runtime/MetricsEmitter.js"
import { ResultStore } from "./runtime/ResultStore.js"
import { startWorker, type WorkerOptions } from "./runtime/Worker.js"

export interface JobsClientOptions {
  /**
   * Redis to use: a URL, "memory" for the in-process twin (a worker must then run in this
   * process), or omitted to read `REDIS_URL` (unset: the twin).
   */
  readonly redis?: string
  /** Jobs whose JSON payloads `enqueueJson` checks. */
  readonly jobs?: ReadonlyArray<JobSpec>
  /** Runtime settings; omitted, they come from the `JOBS_*` environment. */
  readonly settings?: Partial<RuntimeSettings>
}

export interface JobsClient {
  readonly enqueue: <P, R>(job: JobDefinition<P, R>, payload: P, options: EnqueueOptions) => Promise<Enqueued>
  readonly enqueueBulk: <P, R>(
    job: JobDefinition<P, R>,
    items: ReadonlyArray<EnqueueOptions & { readonly payload: P }>
  ) => Promise<ReadonlyArray<Enqueued>>
  readonly enqueueJson: (domain: string, payload: unknown, options: EnqueueOptions) => Promise<Enqueued>
  /** Resolves when the job completes or fails; rejects with OutcomeTimeout after `timeoutMs`. */
  readonly awaitOutcome: (target: JobTarget, jobId: string, options?: { readonly timeoutMs?: number }) => Promise<JobOutcome>
  readonly status: (target: JobTarget, jobId: string) => Promise<JobRecord>
  readonly cancel: (target: JobTarget, jobId: string) => Promise<CancelResult>
  readonly retry: (target: JobTarget, jobId: string) => Promise<void>
  /** Runs a worker for `job` in this process until `close()`, which drains it. */
  readonly startWorker: <P, R extends JobsServices | JobContext>(job: JobDefinition<P, R>, options: WorkerOptions) => Promise<{ readonly workerId: string }>
  /** Drains this client's workers and closes its connections. */
  readonly close: () => Promise<void>
}

const layerFor = (options: JobsClientOptions) => {
  const jobs = { jobs: options.jobs ?? [] }
  if (options.redis === "memory") return jobsLayerMemory({ ...jobs, settings: options.settings ?? {} })
  if (options.redis === undefined && options.settings === undefined) return jobsLayerConfig(jobs)
  const redis = options.redis === undefined ? RedisClient.layerConfig : RedisClient.layerIORedis(Redacted.make(options.redis))
  const config = options.settings === undefined ? RuntimeConfig.layer : RuntimeConfig.layerWith(options.settings)
  return Layer.mergeAll(Producer.layerWithJobs(jobs.jobs), ResultStore.layerConfig, MetricsEmitter.layer).pipe(
    Layer.provideMerge(runtimeLayer(redis, config))
  )
}

/** Connects lazily: the first call builds the layer (and fails with its error if Redis is unreachable). */
export const createJobsClient = (options: JobsClientOptions = {}): JobsClient => {
  const runtime = ManagedRuntime.make(layerFor(options))
  const workers = Scope.makeUnsafe()
  const run = async <A, E>(effect: Effect.Effect<A, E, JobsServices>): Promise<A> => {
    const exit = await runtime.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    throw Cause.squash(exit.cause)
  }
  const withProducer = <A, E>(use: (producer: Producer["Service"]) => Effect.Effect<A, E>) => run(Effect.flatMap(Producer, use))
  return {
    enqueue: (job, payload, enqueueOptions) => withProducer((p) => p.enqueue(job, payload, enqueueOptions)),
    enqueueBulk: (job, items) => withProducer((p) => p.enqueueBulk(job, items)),
    enqueueJson: (domain, payload, enqueueOptions) => withProducer((p) => p.enqueueJson(domain, payload, enqueueOptions)),
    awaitOutcome: (target, jobId, awaitOptions) =>
      withProducer((p) => p.awaitOutcome(target, jobId, awaitOptions?.timeoutMs === undefined ? {} : { timeout: awaitOptions.timeoutMs })),
    status: (target, jobId) => withProducer((p) => p.status(target, jobId)),
    cancel: (target, jobId) => withProducer((p) => p.cancel(target, jobId)),
    retry: (target, jobId) => withProducer((p) => p.retry(target, jobId)),
    startWorker: (job, workerOptions) =>
      run(startWorker(job, workerOptions).pipe(Scope.provide(workers), Effect.map((handle) => ({ workerId: handle.workerId })))),
    close: async () => {
      await run(Scope.close(workers, Exit.void))
      await runtime.dispose()
    }
  }
}
