/**
 * A domain worker: claims jobs in batches up to its concurrency, runs each as a supervised
 * fiber with its own JobContext, and on shutdown stops claiming, lets running jobs finish within
 * a grace period and hands the rest back to the queue. Its long-running loops (claim lanes, the
 * idle waiter, and those of LeaseKeeper.ts and Cancellation.ts) run under one Supervisor
 * (Supervised.ts): restarted with backoff, counted, and reported by `failingLoops`.
 */
import { hostname } from "node:os"
import { randomUUID } from "node:crypto"
import { Cause, Deferred, Duration, Effect, Exit, Fiber, FiberSet, Metric, Option, Queue, Result, Schema, Scope } from "effect"
import { jobKey } from "../contracts/Keys.js"
import { JobContext, type JobContextService, makeJobContext } from "./JobContext.js"
import type { JobDefinition, JobFailure, JobResult } from "./JobDefinition.js"
import { JobQueue, type ClaimedJob, type PostChange } from "./JobQueue.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import { WorkerRegistry } from "./WorkerRegistry.js"
import { RedisClient } from "../redis/RedisClient.js"
import { jobMetrics } from "./WorkerMetrics.js"
import { nextRetryAt } from "./RetryPolicy.js"
import { listenForCancels } from "./Cancellation.js"
import { runLeaseLoops, type StopReason } from "./LeaseKeeper.js"
import { describeCause, type FailingLoop, makeSupervisor, type Supervisor } from "./Supervised.js"
import { makeAttemptTracing } from "./worker/tracing.js"
import { type AttemptEnd, type AttemptTelemetry, makeAttemptTelemetry, WorkerTelemetry } from "./worker/telemetry.js"
import type { LeaseLost } from "./JobErrors.js"
import type { RedisError } from "../redis/RedisError.js"

export type { StopReason } from "./LeaseKeeper.js"

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

/** A share of the worker's slots with its own claim loop and its own batched call stream. */
interface Lane {
  readonly index: number
  readonly size: number
  /** One token per free slot: the claim loop takes as many as are free and claims that many jobs. */
  readonly slots: Queue.Queue<true>
  readonly post: PostChange
  /** Slots taken by the claim round in progress and not yet handed to a job: given back if it fails. */
  held: number
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
  /** This attempt's telemetry, from its start (see worker/telemetry.ts). */
  attemptTelemetry: AttemptTelemetry | undefined
  /** The telemetry lines its final change carries (JobContext's TelemetryCarrier). */
  telemetry: string | undefined
}

export interface WorkerHandle {
  readonly workerId: string
  /** Jobs currently running, by id. */
  readonly running: () => ReadonlyArray<string>
  /** Interrupts a running job of this worker; false when it does not run here. */
  readonly stopJob: (jobId: string, reason: StopReason) => Effect.Effect<boolean>
  /** The supervisor of this worker's loops; other loops of the domain (the scheduler) may join it. */
  readonly supervisor: Supervisor
  /** Loops of this worker that keep failing: while there are any, the worker is not ready. */
  readonly failingLoops: () => ReadonlyArray<FailingLoop>
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
    const redis = yield* RedisClient
    const scope = yield* Effect.scope
    const domain = definition.domain
    const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
    const concurrency = Math.max(1, Math.floor(options.concurrency))
    const graceMs = options.graceMs ?? 10_000
    const idleWaitMs = options.idleWaitMs ?? 1_000
    const { durationMs: _histogram, ...counters } = jobMetrics
    yield* Effect.forEach(Object.values(counters), (counter) => Metric.update(counter, 0))
    const decodePayload = makePayloadDecoder(definition.payload)
    // Decided once: with no tracer configured, attempts run without spans (see worker/tracing.ts).
    const traceAttempt = yield* makeAttemptTracing(domain)
    // Without a WorkerTelemetry in context, or with one that has nowhere to send, the worker emits
    // no telemetry (and pays nothing for it).
    const telemetryService = yield* Effect.serviceOption(WorkerTelemetry)
    const telemetry = Option.isSome(telemetryService) && (telemetryService.value.durableLog || telemetryService.value.emitter !== undefined)
      ? makeAttemptTelemetry(domain, telemetryService.value)
      : undefined
    // Sets the end event's lines on the entry before `publish` posts the final change carrying them,
    // then hands the event to the emitters once the change applied.
    const ended = <E>(
      entry: RunningJob, ctx: JobContextService, how: AttemptEnd, detail: { readonly error?: string; readonly retryCount?: number },
      publish: Effect.Effect<void, E>
    ): Effect.Effect<void, E> => {
      if (telemetry === undefined || entry.attemptTelemetry === undefined) return publish
      const event = telemetry.end(entry.attemptTelemetry, how, detail, ctx.reportedMetrics(), entry)
      return event === undefined ? publish : Effect.andThen(publish, telemetry.emit(event))
    }
    const running = new Map<string, RunningJob>()
    const supervisor = yield* makeSupervisor({ domain, worker: workerId })
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
        const lane: Lane = { index, size, slots, post, held: 0 }
        return lane
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
        yield* ended(entry, ctx, "completed", {}, ctx.publishCompleted(exit.value))
        yield* Metric.update(jobMetrics.completed, 1)
        return
      }
      const cause = exit.cause
      if (Cause.hasInterruptsOnly(cause)) {
        if (reason === "shutdown") {
          yield* ended(entry, ctx, "released", {}, ctx.release("returned to queue: worker shutting down"))
          yield* log("job handed back on shutdown", { job_id: job.jobId })
        } else if (reason === "cancelled") {
          yield* ended(entry, ctx, "failed", { error: "cancelled by request" }, ctx.publishFailed("user", "cancelled by request"))
          yield* Metric.update(jobMetrics.failed, 1)
        } else if (reason === "lease-lost") {
          yield* Effect.logWarning("job dropped: its lease was lost (expired, taken over or its record removed); nothing more is written for it")
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
        yield* ended(entry, ctx, "failed", { error: message }, ctx.publishFailed(kind, message, code))
      } else if (job.attempt < job.maxAttempts) {
        const runAt = nextRetryAt(Date.now(), job.attempt, job.backoffMs)
        yield* Metric.update(jobMetrics.retried, 1)
        yield* ended(entry, ctx, "retrying", { retryCount: job.attempt }, ctx.publishRetry(
          `retrying after ${kind} error (attempt ${job.attempt} of ${job.maxAttempts} failed): ${message}`,
          message,
          runAt
        ))
      } else {
        yield* Metric.update(jobMetrics.deadLettered, 1)
        const final = job.maxAttempts > 1 ? `${message} (after ${job.maxAttempts} attempts)` : message
        yield* ended(entry, ctx, "failed", { error: final }, ctx.publishDeadLetter(kind, final, code))
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
      if (telemetry !== undefined) {
        const start = telemetry.start(job, payload._tag === "Success" ? payload.success : undefined, Date.now())
        entry.attemptTelemetry = start.attempt
        yield* telemetry.emit(start.event)
      }
      if (payload._tag === "Failure") {
        const invalid = `invalid payload: ${payload.failure.replace(/\s*\n\s*/g, " ")}`
        yield* ended(entry, ctx, "failed", { error: invalid }, ctx.publishFailed("user", invalid))
        yield* Metric.update(jobMetrics.failed, 1)
        return
      }
      yield* settle(ctx, job, yield* run(payload.success), entry)
    })

    // The final change was refused: say why, at info level (nothing is left to recover here).
    const settleRefused = (job: ClaimedJob, error: LeaseLost) =>
      redis.send("EXISTS", jobKey(domain, job.jobId)).pipe(
        Effect.flatMap((exists) =>
          Effect.logInfo(exists === 0
            ? `job's outcome dropped: its record ${jobKey(domain, job.jobId)} no longer exists (expired or deleted)`
            : `job's outcome not written: ${error.message}; the attempt that owns it now settles it`)
        ),
        Effect.catch((e: RedisError) => Effect.logInfo(`job's outcome not written: ${error.message} (${e.message})`))
      )

    // One fiber per job: the program runs interruptibly inside it (stopJob interrupts the fiber),
    // and the settling after it cannot be interrupted, so a stopped job is always accounted for.
    const runJob = (job: ClaimedJob, entry: RunningJob) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          const runAttempt = (post: PostChange) => {
            const ctx = makeJobContext(post, {
              domain, jobId: job.jobId, userId: job.userId, queue: domain,
              executionId: job.executionId, attempt: job.attempt, maxAttempts: job.maxAttempts,
              ...(job.correlationId === undefined ? {} : { correlationId: job.correlationId }),
              ...(job.parentJobId === undefined ? {} : { parentJobId: job.parentJobId })
            }, entry)
            return attempt(job, entry, ctx, (payload) => Effect.exit(restore(definition.run(payload).pipe(Effect.provideService(JobContext, ctx)))))
          }
          const started = Date.now()
          return Effect.ensuring(
            traceAttempt === undefined ? runAttempt(entry.lane.post) : traceAttempt(job, entry.lane.post, runAttempt),
            Effect.suspend(() => {
              running.delete(job.jobId)
              freeSlot(entry)
              return Metric.update(jobMetrics.durationMs, Date.now() - started)
            })
          )
        })
      ).pipe(
        Effect.catch((error) => error._tag === "LeaseLost" ? settleRefused(job, error) : Effect.logWarning(
          `could not settle job ${job.jobId}: ${error.message}; its lease will expire and it will be recovered`
        )),
        Effect.annotateLogs({ domain, job_id: job.jobId, execution_id: job.executionId })
      )

    // Idle lanes: one asks the idle waiter, a loop that waits on Redis for new jobs (blocking, on a
    // connection of its own); the others wait until a lane's claim comes back full, since then more
    // jobs may be ready. So a lightly loaded worker spends one blocking wait and one claim per job,
    // not one per lane. A lane whose waiter does not answer (restarting) looks again by itself.
    let waitingOnRedis = false
    let claimedFull = Deferred.makeUnsafe<void>()
    const wakeIdleLanes = () => {
      const woken = claimedFull
      claimedFull = Deferred.makeUnsafe<void>()
      Deferred.doneUnsafe(woken, Effect.void)
    }
    const waitRequests = yield* Queue.sliding<{ readonly timeoutMs: number; readonly done: Deferred.Deferred<void> }>(1)
    // `nextDelayedInMs`: when the short claim saw a delayed job coming due, the wait ends then.
    const idle = (nextDelayedInMs: number | undefined) => Effect.suspend(() => {
      if (waitingOnRedis) return Effect.asVoid(Effect.timeoutOption(Deferred.await(claimedFull), Duration.millis(idleWaitMs)))
      waitingOnRedis = true
      const timeoutMs = Math.min(idleWaitMs, nextDelayedInMs ?? idleWaitMs)
      const done = Deferred.makeUnsafe<void>()
      Queue.offerUnsafe(waitRequests, { timeoutMs, done })
      return Effect.asVoid(Effect.timeoutOption(Deferred.await(done), Duration.millis(timeoutMs + idleWaitMs)))
    })
    let waitForWork: ((timeoutMs: number) => Effect.Effect<boolean, RedisError>) | undefined
    const idleWaiter = Effect.gen(function*() {
      const request = yield* Queue.take(waitRequests)
      // The connection is reserved once, for the worker's lifetime (it reconnects by itself).
      waitForWork ??= yield* queue.makeWaiter(domain).pipe(Scope.provide(scope))
      yield* waitForWork(request.timeoutMs).pipe(Effect.ensuring(Effect.sync(() => {
        waitingOnRedis = false
        Deferred.doneUnsafe(request.done, Effect.void)
      })))
    })

    const claimRound = (lane: Lane) => Effect.gen(function*() {
      // Waits for one free slot, then takes every other slot of the lane free right now.
      const free = (yield* Queue.takeBetween(lane.slots, 1, lane.size)).length
      lane.held = free
      const claimed = yield* queue.claim(domain, free, workerId, lane.index)
      for (const bad of claimed.invalid) {
        yield* Effect.logError(`set aside unreadable queue entry "${bad.entry}": ${bad.reason}`)
      }
      // Counted per claim rather than per job: one metric update for the whole batch.
      if (claimed.jobs.length > 0) yield* Metric.update(jobMetrics.started, claimed.jobs.length)
      if (claimed.jobs.length === free && lanes.length > 1) wakeIdleLanes()
      const unused = free - claimed.jobs.length
      if (unused > 0) yield* Queue.offerAll(lane.slots, Array.from({ length: unused }, () => true as const))
      lane.held = claimed.jobs.length
      for (const job of claimed.jobs) {
        const entry: RunningJob = {
          executionId: job.executionId, lane, fiber: undefined, reason: undefined, slotFreed: false, attemptTelemetry: undefined, telemetry: undefined
        }
        running.set(job.jobId, entry)
        entry.fiber = yield* FiberSet.run(jobs, runJob(job, entry))
        lane.held--
      }
      // Fewer jobs than asked for: the queue ran dry, so wait rather than ask again at once.
      if (claimed.jobs.length < free && claimed.invalid.length === 0) yield* idle(claimed.nextDelayedInMs)
    })
    // A failed round (a refused or failed claim, a defect) gives back every slot it held, and
    // forgets jobs it claimed but did not start: their leases expire and recovery requeues them.
    const returnHeldSlots = (lane: Lane) => () => {
      for (const [jobId, entry] of running) if (entry.lane === lane && entry.fiber === undefined) running.delete(jobId)
      if (lane.held > 0) Queue.offerAllUnsafe(lane.slots, Array.from({ length: lane.held }, () => true as const))
      lane.held = 0
    }

    const stopJob = (jobId: string, reason: StopReason) =>
      Effect.suspend(() => {
        const job = running.get(jobId)
        if (job === undefined) return Effect.succeed(false)
        job.reason ??= reason
        // Interrupting waits for the job's finalizers: do it on the side so the caller (heartbeat,
        // cancel listener) is not held up; the job's own fiber settles it.
        return job.fiber === undefined ? Effect.succeed(true) : Effect.forkDetach(Fiber.interrupt(job.fiber)).pipe(Effect.as(true))
      })

    // Added after `jobs`, so they run before the FiberSet's own finalizer interrupts everything.
    // Every round of a lane waits for a slot and on Redis, so the loop needs no yield of its own.
    const claimFibers = yield* Effect.forEach(lanes, (lane) =>
      supervisor.run(`claim-lane-${lane.index}`, claimRound(lane), { disableYield: true, onFailure: returnHeldSlots(lane) }))
    const waiterFiber = yield* supervisor.run("idle-waiter", idleWaiter)
    yield* runLeaseLoops({
      domain, workerId, supervisor, stopJob,
      running: () => [...running].map(([jobId, r]) => ({ jobId, executionId: r.executionId }))
    })
    yield* listenForCancels(domain, (jobId) => stopJob(jobId, "cancelled"), supervisor)
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* Fiber.interruptAll([...claimFibers, waiterFiber])
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
    return { workerId, running: () => [...running.keys()], stopJob, supervisor, failingLoops: supervisor.failing }
  }).pipe(
    // Every metric this worker and its jobs record carries the domain as a label.
    Effect.provideService(Metric.CurrentMetricAttributes, { domain: definition.domain })
  )
