/**
 * A domain worker: claims jobs in batches up to its concurrency, runs each as a supervised
 * fiber with its own JobContext, renews leases from one heartbeat fiber, recovers jobs of
 * dead workers, and on shutdown stops claiming, lets running jobs finish within a grace
 * period and hands the rest back to the queue.
 */
import { hostname } from "node:os"
import { randomUUID } from "node:crypto"
import { Cause, Deferred, Duration, Effect, Exit, Fiber, FiberSet, Metric, Queue, Result, Schema, type Scope } from "effect"
import { JobContext, type JobContextService, makeJobContext } from "./JobContext.js"
import type { JobDefinition, JobFailure, JobResult } from "./JobDefinition.js"
import { JobQueue, type ClaimedJob, type PostChange } from "./JobQueue.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import { WorkerRegistry } from "./WorkerRegistry.js"
import type { RedisClient } from "./RedisClient.js"
import { jobMetrics } from "./WorkerMetrics.js"
import { nextRetryAt } from "./RetryPolicy.js"
import { listenForCancels } from "./Cancellation.js"

export interface WorkerOptions {
  /** Jobs run at once by this worker. */
  readonly concurrency: number
  /** How long running jobs may take to finish after shutdown starts before they are handed back. */
  readonly graceMs?: number
  /** Longest idle wait before the worker looks again (it is woken earlier by new jobs). */
  readonly idleWaitMs?: number
  readonly workerId?: string
  /**
   * Independent streams of batched Redis calls the slots are split over (default: 2 from
   * concurrency 8 up, else 1). With one, every running job waits on the same call; with two,
   * Redis applies one lane's call while this process runs the other lane's jobs.
   */
  readonly lanes?: number
}

export type StopReason = "shutdown" | "cancelled" | "lease-lost"

/** A share of the worker's slots with its own claim loop and its own batched call stream. */
interface Lane {
  readonly index: number
  readonly size: number
  /** One token per free slot: the claim loop takes as many as are free and claims that many jobs. */
  readonly slots: Queue.Queue<true>
  readonly post: PostChange
}

interface RunningJob {
  readonly executionId: string
  readonly lane: Lane
  /** The job's fiber, set as soon as it is forked. */
  fiber: Fiber.Fiber<void> | undefined
  /** Why the job was stopped, set before its fiber is interrupted. */
  reason: StopReason | undefined
  /** Its concurrency slot was given back (as its final change was sent, so the next claim can ride along). */
  slotFreed: boolean
}

export interface WorkerHandle {
  readonly workerId: string
  /** Jobs currently running, by id. */
  readonly running: () => ReadonlyArray<string>
  /** Interrupts a running job of this worker; false when it does not run here. */
  readonly stopJob: (jobId: string, reason: StopReason) => Effect.Effect<boolean>
}

const describeCause = (cause: Cause.Cause<JobFailure>): string => {
  const failure = Cause.findErrorOption(cause)
  if (failure._tag === "Some") return failure.value.message
  const defect = Cause.findDefect(cause)
  if (defect._tag === "Success") {
    const value = defect.success
    return value instanceof Error ? `${value.name}: ${value.message}` : `defect: ${String(value)}`
  }
  return Cause.pretty(cause).split("\n")[0] ?? "unknown failure"
}

/**
 * Decodes a stored payload with the job's schema: JSON.parse and then the schema, which costs a
 * quarter of decoding the text through a JSON-string schema.
 */
const makePayloadDecoder = <P>(schema: Schema.Codec<P, unknown>) => {
  const decode = Schema.decodeUnknownResult(schema)
  return (text: string): Result.Result<P, string> => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      return Result.fail(`not JSON (${error instanceof Error ? error.message : String(error)})`)
    }
    const decoded = decode(value)
    return decoded._tag === "Success" ? Result.succeed(decoded.success) : Result.fail(decoded.failure.message)
  }
}

/**
 * Starts a worker for one job definition in the current scope. The returned handle lives
 * until the scope closes; closing it performs the graceful shutdown.
 */
export const startWorker = <P, R>(
  definition: JobDefinition<P, R>,
  options: WorkerOptions
): Effect.Effect<WorkerHandle, never, JobQueue | WorkerRegistry | RuntimeConfig | RedisClient | Exclude<R, JobContext> | Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    const registry = yield* WorkerRegistry
    const settings = yield* RuntimeConfig
    const domain = definition.domain
    const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
    const concurrency = Math.max(1, Math.floor(options.concurrency))
    const graceMs = options.graceMs ?? 10_000
    const idleWaitMs = options.idleWaitMs ?? 1_000
    const { durationMs: _histogram, ...counters } = jobMetrics
    yield* Effect.forEach(Object.values(counters), (counter) => Metric.update(counter, 0))
    const decodePayload = makePayloadDecoder(definition.payload)
    const running = new Map<string, RunningJob>()
    const log = (message: string, fields: Record<string, unknown> = {}) =>
      Effect.logInfo(message).pipe(Effect.annotateLogs({ domain, worker: workerId, ...fields }))

    const jobs = yield* FiberSet.make<void, never>()
    const laneCount = Math.min(concurrency, Math.max(1, Math.floor(options.lanes ?? (concurrency >= 8 ? 2 : 1))))
    const lanes = yield* Effect.forEach(Array.from({ length: laneCount }, (_, index) => index), (index) =>
      Effect.gen(function*() {
        const size = Math.floor(concurrency / laneCount) + (index < concurrency % laneCount ? 1 : 0)
        const slots = yield* Queue.bounded<true>(size)
        yield* Queue.offerAll(slots, Array.from({ length: size }, () => true as const))
        const post = yield* queue.changes(domain, index)
        return { index, size, slots, post } satisfies Lane
      }))
    // Plain, so freeing a slot costs a job no Effect operations: a lane's queue holds its size in
    // tokens and a slot is given back once.
    const freeSlot = (entry: RunningJob) => {
      if (entry.slotFreed) return
      entry.slotFreed = true
      Queue.offerUnsafe(entry.lane.slots, true)
    }

    // Per-job steps are generator functions made once per worker (Effect.fnUntraced), not an
    // Effect.gen closure per job: V8 gives every new generator closure a map in old space, which
    // keeps the job's objects alive through young-generation collections (longer GC pauses).
    const settle = Effect.fnUntraced(function*(ctx: JobContextService, job: ClaimedJob, exit: Exit.Exit<JobResult, JobFailure>, entry: RunningJob) {
      const reason = entry.reason
      // The slot is free from here on: the claim loop, woken by it, asks for the next job before
      // the batcher takes its next call, so that claim goes out with this job's final change.
      freeSlot(entry)
      if (Exit.isSuccess(exit)) {
        yield* ctx.publishCompleted(exit.value)
        yield* Metric.update(jobMetrics.completed, 1)
        return
      }
      const cause = exit.cause
      if (Cause.hasInterruptsOnly(cause)) {
        if (reason === "shutdown") {
          yield* ctx.release("returned to queue: worker shutting down")
          yield* log("job handed back on shutdown", { job_id: job.jobId })
        } else if (reason === "cancelled") {
          yield* ctx.publishFailed("user", "cancelled by request")
          yield* Metric.update(jobMetrics.failed, 1)
        }
        return
      }
      const failure = Cause.findErrorOption(cause)
      if (failure._tag === "Some" && failure.value._tag === "LeaseLost") {
        yield* log("job lost its lease; another attempt owns it", { job_id: job.jobId })
        return
      }
      const message = describeCause(cause)
      const kind = failure._tag === "Some" && failure.value._tag === "JobUserError" ? "user" : "system"
      // A stable code (e.g. INVALID_CONFIG) is kept in the record beside the message, for clients.
      const code = failure._tag === "Some" && failure.value._tag === "JobUserError" ? failure.value.code : undefined
      yield* Metric.update(jobMetrics.failed, 1)
      if (!job.retryOn.includes(kind)) {
        yield* ctx.publishFailed(kind, message, code)
      } else if (job.attempt < job.maxAttempts) {
        const runAt = nextRetryAt(Date.now(), job.attempt, job.backoffMs)
        yield* Metric.update(jobMetrics.retried, 1)
        yield* ctx.publishRetry(
          `retrying after ${kind} error (attempt ${job.attempt} of ${job.maxAttempts} failed): ${message}`,
          message,
          runAt
        )
      } else {
        yield* Metric.update(jobMetrics.deadLettered, 1)
        yield* ctx.publishDeadLetter(kind, job.maxAttempts > 1 ? `${message} (after ${job.maxAttempts} attempts)` : message, code)
      }
      yield* Effect.logWarning(`job failed: ${message}`).pipe(Effect.annotateLogs({ domain, job_id: job.jobId, attempt: job.attempt }))
    })

    // The checks before a job's program, the program, and the settling after it.
    const attempt = Effect.fnUntraced(function*(
      job: ClaimedJob,
      entry: RunningJob,
      ctx: JobContextService,
      run: (payload: P) => Effect.Effect<Exit.Exit<JobResult, JobFailure>, never, Exclude<R, JobContext>>
    ) {
      // The started event was emitted by the claim itself (see queue/ChangeBatcher.ts), which sets
      // aside a record whose user_id is not a 64-bit integer, so every claimed job has an exact one.
      const payload = decodePayload(job.payload)
      if (payload._tag === "Failure") {
        yield* ctx.publishFailed("user", `invalid payload: ${payload.failure.replace(/\s*\n\s*/g, " ")}`)
        yield* Metric.update(jobMetrics.failed, 1)
        return
      }
      yield* settle(ctx, job, yield* run(payload.success), entry)
    })

    // One fiber per job: the program runs interruptibly inside it (stopJob interrupts the fiber),
    // and the settling after it cannot be interrupted, so a stopped job is always accounted for.
    const runJob = (job: ClaimedJob, entry: RunningJob) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          const ctx = makeJobContext(entry.lane.post, {
            domain, jobId: job.jobId, userId: job.userId, queue: domain,
            executionId: job.executionId, attempt: job.attempt, maxAttempts: job.maxAttempts
          })
          const started = Date.now()
          return Effect.ensuring(
            attempt(job, entry, ctx, (payload) => Effect.exit(restore(definition.run(payload).pipe(Effect.provideService(JobContext, ctx))))),
            Effect.suspend(() => {
              running.delete(job.jobId)
              freeSlot(entry)
              return Metric.update(jobMetrics.durationMs, Date.now() - started)
            })
          )
        })
      ).pipe(
        Effect.catch((error) =>
          Effect.logWarning(`could not settle job ${job.jobId}: ${error.message}; its lease will expire and it will be recovered`)
        ),
        Effect.annotateLogs({ domain, job_id: job.jobId, execution_id: job.executionId })
      )

    // Idle lanes: one waits on Redis for new jobs (blocking, on a connection of its own); the
    // others wait until a lane's claim comes back full, since then more jobs may be ready. So a
    // lightly loaded worker spends one blocking wait and one claim per job, not one per lane.
    const waitForWork = yield* queue.makeWaiter(domain).pipe(Effect.orDie)
    let waitingOnRedis = false
    let claimedFull = Deferred.makeUnsafe<void>()
    const wakeIdleLanes = () => {
      const woken = claimedFull
      claimedFull = Deferred.makeUnsafe<void>()
      Deferred.doneUnsafe(woken, Effect.void)
    }
    // `nextDelayedInMs`: when the short claim saw a delayed job coming due, the wait ends then.
    const idle = (nextDelayedInMs: number | undefined) => Effect.suspend(() => {
      if (waitingOnRedis) return Effect.asVoid(Effect.timeoutOption(Deferred.await(claimedFull), Duration.millis(idleWaitMs)))
      waitingOnRedis = true
      return waitForWork(Math.min(idleWaitMs, nextDelayedInMs ?? idleWaitMs)).pipe(Effect.ensuring(Effect.sync(() => {
        waitingOnRedis = false
      })))
    })

    const claimLoop = (lane: Lane) => Effect.gen(function*() {
      // Waits for one free slot, then takes every other slot of the lane free right now.
      const free = (yield* Queue.takeBetween(lane.slots, 1, lane.size)).length
      const claimed = yield* queue.claim(domain, free, workerId, lane.index)
      for (const bad of claimed.invalid) {
        yield* Effect.logError(`set aside unreadable queue entry "${bad.entry}": ${bad.reason}`).pipe(Effect.annotateLogs({ domain }))
      }
      // Counted per claim rather than per job: one metric update for the whole batch.
      if (claimed.jobs.length > 0) yield* Metric.update(jobMetrics.started, claimed.jobs.length)
      if (claimed.jobs.length === free && lanes.length > 1) wakeIdleLanes()
      const unused = free - claimed.jobs.length
      if (unused > 0) yield* Queue.offerAll(lane.slots, Array.from({ length: unused }, () => true as const))
      for (const job of claimed.jobs) {
        const entry: RunningJob = { executionId: job.executionId, lane, fiber: undefined, reason: undefined, slotFreed: false }
        running.set(job.jobId, entry)
        entry.fiber = yield* FiberSet.run(jobs, runJob(job, entry))
      }
      // Fewer jobs than asked for: the queue ran dry, so wait rather than ask again at once.
      if (claimed.jobs.length < free && claimed.invalid.length === 0) yield* idle(claimed.nextDelayedInMs)
    }).pipe(
      Effect.catch((error) =>
        Effect.logWarning(`worker loop: ${error.message}; retrying`).pipe(Effect.andThen(Effect.sleep("200 millis")))
      ),
      // Every round waits for a slot and on Redis, so the loop needs no yield of its own.
      Effect.forever({ disableYield: true })
    )

    const stopJob = (jobId: string, reason: StopReason) =>
      Effect.suspend(() => {
        const job = running.get(jobId)
        if (job === undefined) return Effect.succeed(false)
        job.reason ??= reason
        // Interrupting waits for the job's finalizers: do it on the side so the caller (heartbeat,
        // cancel listener) is not held up; the job's own fiber settles it.
        return job.fiber === undefined ? Effect.succeed(true) : Effect.forkDetach(Fiber.interrupt(job.fiber)).pipe(Effect.as(true))
      })

    const heartbeat = Effect.gen(function*() {
      yield* registry.heartbeat(domain, workerId, settings.leaseMs)
      const renewal = yield* queue.extendLeases(domain, [...running].map(([jobId, r]) => ({ jobId, executionId: r.executionId })))
      for (const jobId of renewal.lost) yield* stopJob(jobId, "lease-lost")
      // The fallback for a cancel control message this worker missed (e.g. while reconnecting).
      for (const jobId of renewal.cancelRequested) yield* stopJob(jobId, "cancelled")
    }).pipe(
      Effect.catch((error) => Effect.logWarning(`heartbeat: ${error.message}`)),
      Effect.andThen(Effect.sleep(Duration.millis(Math.max(50, Math.floor(settings.leaseMs / 3))))),
      Effect.forever
    )

    const recovery = Effect.gen(function*() {
      const { dead, requeued, cancelled, problems } = yield* queue.recoverExpired(domain)
      for (const problem of problems) yield* Effect.logError(`recovery: ${problem}`).pipe(Effect.annotateLogs({ domain }))
      if (requeued.length > 0 || dead.length > 0 || cancelled.length > 0) {
        yield* log("recovered jobs with expired leases", {
          requeued: requeued.join(","), dead: dead.join(","), cancelled: cancelled.join(",")
        })
      }
    }).pipe(
      Effect.catch((error) => Effect.logWarning(`recovery: ${error.message}`)),
      Effect.andThen(Effect.sleep(Duration.millis(Math.min(5_000, Math.max(100, Math.floor(settings.leaseMs / 2)))))),
      Effect.forever
    )

    // Added after `jobs`, so it runs before the FiberSet's own finalizer interrupts everything.
    const loopFibers = yield* Effect.forEach(lanes, (lane) => Effect.forkScoped(claimLoop(lane)))
    yield* Effect.forkScoped(heartbeat)
    yield* Effect.forkScoped(recovery)
    yield* listenForCancels(domain, (jobId) => stopJob(jobId, "cancelled")).pipe(
      Effect.catch((error) => Effect.logWarning(`cancel listener: ${error.message}; cancels arrive with the heartbeat instead`))
    )
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* Fiber.interruptAll(loopFibers)
        yield* log("shutting down: no new jobs", { running: running.size })
        const drained = yield* FiberSet.awaitEmpty(jobs).pipe(Effect.timeoutOption(Duration.millis(graceMs)))
        if (drained._tag === "None") {
          yield* Effect.forEach([...running.keys()], (jobId) => stopJob(jobId, "shutdown"))
          yield* FiberSet.awaitEmpty(jobs)
        }
        // Bounded: with Redis unreachable the entry simply expires with its heartbeat.
        yield* registry.deregister(domain, workerId).pipe(Effect.timeoutOption(Duration.seconds(1)), Effect.ignore)
        yield* log("stopped")
      })
    )
    yield* log("worker started", { concurrency })
    return { workerId, running: () => [...running.keys()], stopJob }
  }).pipe(
    // Every metric this worker and its jobs record carries the domain as a label.
    Effect.provideService(Metric.CurrentMetricAttributes, { domain: definition.domain })
  )
