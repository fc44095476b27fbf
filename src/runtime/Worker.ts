/**
 * A domain worker: claims jobs in batches up to its concurrency, runs each as a supervised
 * fiber with its own JobContext, and on shutdown stops claiming, lets running jobs finish within
 * a grace period and hands the rest back to the queue. Its long-running loops (claim lanes, the
 * idle waiter of worker/idle.ts, and those of LeaseKeeper.ts and Cancellation.ts) run under one Supervisor
 * (Supervised.ts): restarted with backoff, counted, and reported by `failingLoops`.
 */
import { hostname } from "node:os"
import { randomUUID } from "node:crypto"
import { Duration, Effect, type Exit, Fiber, FiberSet, Metric, Option, Queue, type Scope } from "effect"
import { JobContext, type JobContextService, makeJobContext } from "./JobContext.js"
import type { JobDefinition, JobFailure, JobResult } from "./JobDefinition.js"
import { JobQueue, type ClaimedJob, type PostChange } from "./JobQueue.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import { WorkerRegistry } from "./WorkerRegistry.js"
import { RedisClient } from "../redis/RedisClient.js"
import { jobMetrics } from "./WorkerMetrics.js"
import { listenForCancels } from "./Cancellation.js"
import { runLeaseLoops, type StopReason } from "./LeaseKeeper.js"
import { type FailingLoop, makeSupervisor, type Supervisor } from "./Supervised.js"
import { makeIdleWaiting } from "./worker/idle.js"
import { type Lane, makeLanes, slotTokens } from "./worker/lanes.js"
import { invalidPayloadMessage, makePayloadDecoder } from "./worker/payload.js"
import { logRefusedSettle } from "./worker/refused.js"
import { decideSettle } from "./worker/settleDecision.js"
import { makeAttemptTracing } from "./worker/tracing.js"
import { type AttemptEnd, type AttemptTelemetry, makeAttemptTelemetry, WorkerTelemetry } from "./worker/telemetry.js"

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
    const lanes = yield* makeLanes(concurrency, options.lanes, (index) => queue.changes(domain, index))
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
      // The slot is free from here on: the claim loop, woken by it, asks for the next job before
      // the batcher takes its next call, so that claim goes out with this job's final change.
      freeSlot(entry)
      const decision = decideSettle({ exit, reason: entry.reason, job, now: Date.now() })
      switch (decision._tag) {
        case "Completed":
          yield* ended(entry, ctx, "completed", {}, ctx.publishCompleted(decision.result))
          return yield* Metric.update(jobMetrics.completed, 1)
        case "Released":
          yield* ended(entry, ctx, "released", {}, ctx.release("returned to queue: worker shutting down"))
          return yield* log("job handed back on shutdown", { job_id: job.jobId })
        case "Cancelled":
          yield* ended(entry, ctx, "failed", { error: "cancelled by request" }, ctx.publishFailed("user", "cancelled by request"))
          return yield* Metric.update(jobMetrics.failed, 1)
        case "DroppedLeaseLost":
          return yield* Effect.logWarning("job dropped: its lease was lost (expired, taken over or its record removed); nothing more is written for it")
        case "Interrupted":
          return
        case "LeaseLost":
          return yield* log("job lost its lease; another attempt owns it", { job_id: job.jobId })
        case "Failed":
          yield* Metric.update(jobMetrics.failed, 1)
          yield* ended(entry, ctx, "failed", { error: decision.message }, ctx.publishFailed(decision.kind, decision.message, decision.code))
          break
        case "Retry":
          yield* Metric.update(jobMetrics.failed, 1)
          yield* Metric.update(jobMetrics.retried, 1)
          yield* ended(entry, ctx, "retrying", { retryCount: decision.retryCount }, ctx.publishRetry(decision.note, decision.message, decision.runAt))
          break
        case "Dead":
          yield* Metric.update(jobMetrics.failed, 1)
          yield* Metric.update(jobMetrics.deadLettered, 1)
          yield* ended(entry, ctx, "failed", { error: decision.final }, ctx.publishDeadLetter(decision.kind, decision.final, decision.code))
          break
      }
      yield* Effect.logWarning(`job failed: ${decision.message}`).pipe(Effect.annotateLogs({ domain, job_id: job.jobId, attempt: job.attempt }))
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
        const invalid = invalidPayloadMessage(payload.failure)
        yield* ended(entry, ctx, "failed", { error: invalid }, ctx.publishFailed("user", invalid))
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
        Effect.catch((error) => error._tag === "LeaseLost" ? logRefusedSettle(redis, domain, job.jobId, error) : Effect.logWarning(
          `could not settle job ${job.jobId}: ${error.message}; its lease will expire and it will be recovered`
        )),
        Effect.annotateLogs({ domain, job_id: job.jobId, execution_id: job.executionId })
      )

    // Idle lanes wait on the idle waiter or on a full claim of another lane (worker/idle.ts).
    const { idle, wakeIdleLanes, waiterRound } = yield* makeIdleWaiting(queue.makeWaiter(domain), idleWaitMs, scope)

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
      if (unused > 0) yield* Queue.offerAll(lane.slots, slotTokens(unused))
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
      if (lane.held > 0) Queue.offerAllUnsafe(lane.slots, slotTokens(lane.held))
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
    const waiterFiber = yield* supervisor.run("idle-waiter", waiterRound)
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
