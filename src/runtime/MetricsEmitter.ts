/**
 * Training metrics that never block the training loop. `emit` is synchronous: it appends the
 * encoded event to an in-memory ring and rings a doorbell; one drainer fiber takes up to 256 events
 * at a time, in emission order, and publishes them pipelined through EventBus.publishAll. At most
 * one pipeline is in flight, so a slow or stopped Redis turns into dropped metrics here instead of
 * unbounded buffers in the client or a stalled trainer.
 *
 * Drop policy: batch events (the high-rate "batch"/"progress" kind) live in a ring of
 * `EVENTS__QUEUE_CAPACITY`; when it is full the OLDEST batch event is dropped, because the newest
 * figures are the ones a watcher wants. Milestones (config, epoch, best, artifact, upload, prune,
 * completed) have their own, larger ring and are never evicted by batch events; only if that ring is
 * full is the NEW milestone dropped. Every drop (and every event lost to a failed publish) is counted
 * per job (`droppedFor`) and in the `metrics_events_dropped_total` counter. Lifecycle events never
 * pass through here: JobContext writes them with its own fenced scripts.
 *
 * Node runs every fiber on one thread. The training cores yield to the scheduler after every step
 * (`Effect.yieldNow`, ~3 us, see TrainingCadence.ts), and Effect's scheduler resumes through
 * setImmediate, so socket I/O and this drainer get a turn between any two batches. We chose that over
 * a worker thread: a thread would have to copy batches or weights across, and the training loop would
 * still need this same non-blocking hand-off. What stays on the main thread is cheap when measured by
 * bench/metrics.ts: `emit` ~15 ns (~80 ns when it evicts), the rate-limit check ~45 ns, and publishing
 * ~170 us of CPU per event when each event is its own round trip but ~20 us at 16 per pipeline, hence
 * the linger (`EVENTS__LINGER_MS`) that gathers a burst into one pipeline.
 */
import { Cause, Clock, Context, Deferred, Duration, Effect, Layer, Metric, Queue, type Scope } from "effect"
import type { JobDomain } from "../contracts/JobDomain.js"
import { EventBus } from "./EventBus.js"
import { BatchRateLimiter } from "./metrics/BatchRateLimiter.js"
import { MetricsBuffer, type QueuedMetric, takeInOrder } from "./metrics/MetricsBuffer.js"
import { makeSupervisor } from "./Supervised.js"
import { defaultMetricsSettings, type MetricsSettings, metricsSettingsConfig } from "./metrics/MetricsSettings.js"

export { defaultMetricsSettings, type MetricsSettings, metricsSettingsConfig } from "./metrics/MetricsSettings.js"

export const droppedMetrics = Metric.counter("metrics_events_dropped_total", {
  description: "Metrics events dropped because the emitter's queue was full or publishing failed"
})

/** "batch": high-rate, rate-limited, oldest dropped first. "milestone": everything else a run reports. */
export type MetricsPriority = "batch" | "milestone"

/** Events the drainer publishes in one pipeline. */
const CHUNK = 256

/** One job's view of the emitter. */
export interface JobMetrics {
  readonly enabled: boolean
  /** Whether batch number `batch` (1-based over the run) should be emitted now; reads the Effect Clock. */
  readonly admitBatch: (batch: number) => boolean
  /** Queues an encoded event; returns false when it was dropped (or metrics are off). Never blocks. */
  readonly emit: (json: string, priority: MetricsPriority) => boolean
  /** Encodes and queues; an event that fails to encode is logged and skipped, never failing the job. */
  readonly emitEncoded: <E extends { readonly message: string }>(
    encoded: Effect.Effect<string, E>,
    priority: MetricsPriority
  ) => Effect.Effect<void>
  /** Events of this job dropped so far. */
  readonly dropped: () => number
  /** Waits (at most the configured flush timeout) until everything queued so far is published. */
  readonly flush: Effect.Effect<boolean>
}

export interface MetricsEmitterService {
  readonly settings: MetricsSettings
  /** Queues an encoded event of `jobId`; false when dropped or disabled. Synchronous and I/O-free. */
  readonly emit: (domain: JobDomain, jobId: string, json: string, priority: MetricsPriority) => boolean
  readonly droppedFor: (jobId: string) => number
  /** Events waiting to be published. */
  readonly pending: () => number
  /** Publishes what is queued now; true when done within `timeout`, false when it timed out. */
  readonly flush: (timeout?: Duration.Input) => Effect.Effect<boolean>
  /** A per-job handle; the job's dropped count is forgotten when the scope closes. */
  readonly forJob: (domain: JobDomain, jobId: string) => Effect.Effect<JobMetrics, never, Scope.Scope>
}

interface FlushWaiter {
  readonly target: number
  readonly done: Deferred.Deferred<void>
}

const make = (settings: MetricsSettings) =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    const context = yield* Effect.context<never>()
    const batches = new MetricsBuffer(settings.queueCapacity)
    const milestones = new MetricsBuffer(settings.milestoneCapacity)
    const dropped = new Map<string, number>()
    const doorbell = yield* Queue.dropping<true>(1)
    let waiters: Array<FlushWaiter> = []
    let lastSeq = 0
    /** Every event with seq <= doneSeq has been published or given up on. */
    let doneSeq = 0
    let wakePending = false
    /** Completed by a flush to cut the drainer's linger short. */
    let hurry = Deferred.makeUnsafe<void>()

    const countDropped = (jobId: string, n: number) => {
      dropped.set(jobId, (dropped.get(jobId) ?? 0) + n)
      droppedMetrics.updateUnsafe(n, context)
    }

    const emit = (domain: JobDomain, jobId: string, json: string, priority: MetricsPriority): boolean => {
      if (!settings.enabled) return false
      const item: QueuedMetric = { seq: lastSeq + 1, domain, jobId, json }
      const isBatch = priority === "batch"
      const evicted = (isBatch ? batches : milestones).push(item, isBatch)
      if (evicted === item) {
        countDropped(jobId, 1)
        return false
      }
      lastSeq = item.seq
      if (evicted !== undefined) countDropped(evicted.jobId, 1)
      if (!wakePending) {
        wakePending = true
        Queue.offerUnsafe(doorbell, true)
      }
      return true
    }

    const publishChunk = (chunk: ReadonlyArray<QueuedMetric>) =>
      Effect.gen(function*() {
        // Consecutive events of one domain go out in one pipeline, keeping the emission order.
        let from = 0
        while (from < chunk.length) {
          const domain = chunk[from]?.domain
          let to = from
          while (to < chunk.length && chunk[to]?.domain === domain) to++
          const group = chunk.slice(from, to)
          const first = group[0]
          if (first !== undefined) {
            yield* bus.publishAll(first.domain, group.map((m) => m.json)).pipe(
              Effect.catchCause((cause) =>
                Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Effect.logWarning(`dropped ${group.length} metrics events: publishing failed`).pipe(
                  Effect.annotateLogs({ domain: first.domain, cause: String(cause).slice(0, 500) }),
                  Effect.andThen(Effect.sync(() => group.forEach((m) => countDropped(m.jobId, 1))))
                )
              )
            )
          }
          from = to
        }
      })

    const settleWaiters = Effect.suspend(() => {
      const ready = waiters.filter((w) => w.target <= doneSeq)
      if (ready.length === 0) return Effect.void
      waiters = waiters.filter((w) => w.target > doneSeq)
      return Effect.forEach(ready, (w) => Deferred.succeed(w.done, undefined), { discard: true })
    })

    const linger = Effect.suspend(() =>
      settings.lingerMs === 0 || waiters.length > 0 || batches.size + milestones.size >= CHUNK
        ? Effect.void
        : Effect.raceFirst(Effect.sleep(Duration.millis(settings.lingerMs)), Deferred.await(hurry)).pipe(
          Effect.andThen(Effect.sync(() => {
            if (Deferred.isDoneUnsafe(hurry)) hurry = Deferred.makeUnsafe<void>()
          }))
        )
    )

    /** The chunk being published: if the drainer fails, its events are counted as dropped. */
    let inFlight: ReadonlyArray<QueuedMetric> = []
    const drainOnce = Effect.gen(function*() {
      yield* Queue.take(doorbell)
      yield* linger
      wakePending = false
      for (;;) {
        const chunk = takeInOrder(milestones, batches, CHUNK)
        const last = chunk.at(-1)
        if (last === undefined) break
        inFlight = chunk
        yield* publishChunk(chunk)
        inFlight = []
        doneSeq = last.seq
        yield* settleWaiters
        // Full chunks go out back to back; a few stragglers wait for the next linger instead of
        // going out one per round trip while the trainer keeps emitting.
        if (batches.size + milestones.size < CHUNK) break
      }
      if (batches.size + milestones.size > 0 && !wakePending) {
        wakePending = true
        Queue.offerUnsafe(doorbell, true)
      }
    })

    // After a failed round, nothing may stay half done: the chunk in flight is dropped (and
    // counted), its waiters are answered, and the doorbell rings again for what is still queued.
    const afterFailure = () => {
      const last = inFlight.at(-1)
      if (last !== undefined) {
        inFlight.forEach((m) => countDropped(m.jobId, 1))
        doneSeq = Math.max(doneSeq, last.seq)
        inFlight = []
      }
      const ready = waiters.filter((w) => w.target <= doneSeq)
      waiters = waiters.filter((w) => w.target > doneSeq)
      ready.forEach((w) => Deferred.doneUnsafe(w.done, Effect.void))
      wakePending = batches.size + milestones.size > 0
      if (wakePending) Queue.offerUnsafe(doorbell, true)
    }
    const supervisor = yield* makeSupervisor({})
    yield* supervisor.run("metrics-flusher", drainOnce, { onFailure: afterFailure })

    const flush = (timeout: Duration.Input = Duration.millis(settings.flushTimeoutMs)) =>
      Effect.gen(function*() {
        const target = lastSeq
        if (doneSeq >= target) return true
        const waiter: FlushWaiter = { target, done: yield* Deferred.make<void>() }
        waiters.push(waiter)
        Deferred.doneUnsafe(hurry, Effect.void)
        const outcome = yield* Deferred.await(waiter.done).pipe(
          Effect.timeoutOption(timeout),
          Effect.ensuring(Effect.sync(() => {
            waiters = waiters.filter((w) => w !== waiter)
          }))
        )
        return outcome._tag === "Some"
      })

    // Runs before the drainer is interrupted (finalizers run in reverse order).
    yield* Effect.addFinalizer(() => flush())

    const forJob = (domain: JobDomain, jobId: string) =>
      Effect.gen(function*() {
        const clock = yield* Clock.Clock
        const limiter = new BatchRateLimiter(settings.batchEvery, settings.batchMinIntervalMs)
        yield* Effect.addFinalizer(() => Effect.sync(() => dropped.delete(jobId)))
        const jobMetrics: JobMetrics = {
          enabled: settings.enabled,
          admitBatch: (batch) => settings.enabled && limiter.admit(batch, clock.currentTimeMillisUnsafe()),
          emit: (json, priority) => emit(domain, jobId, json, priority),
          emitEncoded: (encoded, priority) =>
            settings.enabled
              ? encoded.pipe(
                Effect.map((json) => {
                  emit(domain, jobId, json, priority)
                }),
                Effect.catch((error) =>
                  Effect.logWarning(`skipped a metrics event that failed to encode: ${error.message}`).pipe(
                    Effect.andThen(Effect.sync(() => countDropped(jobId, 1)))
                  )
                )
              )
              : Effect.void,
          dropped: () => dropped.get(jobId) ?? 0,
          flush: flush()
        }
        return jobMetrics
      })

    return MetricsEmitter.of({
      settings,
      emit,
      droppedFor: (jobId) => dropped.get(jobId) ?? 0,
      pending: () => batches.size + milestones.size,
      flush,
      forJob
    })
  })

export class MetricsEmitter extends Context.Service<MetricsEmitter, MetricsEmitterService>()("jobs/MetricsEmitter") {
  /** Settings from `EVENTS__*` (see MetricsSettings.ts); a bad value fails the layer with a ConfigError. */
  static readonly layer = Layer.effect(MetricsEmitter, Effect.gen(function*() {
    return yield* make(yield* metricsSettingsConfig)
  }))

  static readonly layerWith = (overrides: Partial<MetricsSettings>) =>
    Layer.effect(MetricsEmitter, make({ ...defaultMetricsSettings, ...overrides }))
}
