/**
 * The producer API: enqueue typed jobs, await their outcomes, read their status, cancel and
 * retry them. A payload is checked against the job's schema before anything is written, so a
 * bad one is refused at the call with the field named instead of failing later in a worker.
 */
import { Context, Duration, Effect, Layer, Option } from "effect"
import { ContractError } from "../contracts/ContractError.js"
import { isJobDomain, type JobDomain } from "../contracts/JobDomain.js"
import { cancelJob, type CancelResult, type JobNotFound, jobNotFound } from "./Cancellation.js"
import { type RequeueRefused, retryJob } from "./DeadLetter.js"
import { JobContext } from "./JobContext.js"
import type { JobDefinition, JobSpec } from "./JobDefinition.js"
import type { JobOutcome, OutcomeTimeout } from "./JobOutcome.js"
import { type Enqueued, type EnqueueError, type EnqueueRequest, JobQueue } from "./JobQueue.js"
import { type JobRecord, JobStore } from "./JobStore.js"
import { makeOutcomeWaiters } from "./producer/OutcomeWaiters.js"
import { RedisClient } from "../redis/RedisClient.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import type { RedisError } from "../redis/RedisError.js"

export type { JobCompleted, JobFailed, JobOutcome } from "./JobOutcome.js"
export { OutcomeTimeout } from "./JobOutcome.js"

/** How a job is enqueued: whose it is, and when and how often it may run. */
export type EnqueueOptions = Omit<EnqueueRequest, "domain" | "payload"> & {
  /** Start no earlier than this many milliseconds from now (instead of `runAt`). */
  readonly delayMs?: number
}

export interface AwaitOptions {
  /** Longest wait; without it the wait lasts until the job ends. */
  readonly timeout?: Duration.Input
}

/** A job definition, a job spec of a registry, or just a domain name. */
export type JobTarget = JobSpec | JobDomain

export type EnqueueFailure = ContractError | EnqueueError | RedisError

const domainOf = (target: JobTarget): JobDomain => (typeof target === "string" ? target : target.domain)

const checkDomain = (domain: string) =>
  isJobDomain(domain)
    ? Effect.succeed(domain)
    : Effect.fail(new ContractError({
      contract: "JobDomain",
      message: `"${domain}" is not a domain name: use a lower-case letter, then up to 31 lower-case letters, digits or _`
    }))

/** Lineage defaults of a job enqueued from inside a running job: its correlation id, and it as the parent. */
interface Inherited {
  readonly correlationId?: string
  readonly parentJobId?: string
}

const inheritedFrom = (running: Option.Option<JobContext["Service"]>): Inherited =>
  Option.isNone(running)
    ? {}
    : { parentJobId: running.value.info.jobId, ...(running.value.info.correlationId === undefined ? {} : { correlationId: running.value.info.correlationId }) }

const toRequest = (options: EnqueueOptions, payload: unknown, now: number, inherited: Inherited): Omit<EnqueueRequest, "domain"> => {
  const { delayMs, ...rest } = options
  return delayMs === undefined ? { ...inherited, ...rest, payload } : { ...inherited, ...rest, payload, runAt: now + delayMs }
}

const one = (results: ReadonlyArray<Enqueued>) =>
  results[0] === undefined ? Effect.die("enqueue returned no result") : Effect.succeed(results[0])

const makeProducer = (jobs: ReadonlyArray<JobSpec>) =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    const store = yield* JobStore
    const redis = yield* RedisClient
    const settings = yield* RuntimeConfig
    const waiters = yield* makeOutcomeWaiters
    const known = new Map(jobs.map((job) => [job.domain, job]))
    const runtime = Effect.provideService(RedisClient, redis)

    const enqueueChecked = (domain: string, items: ReadonlyArray<readonly [EnqueueOptions, Effect.Effect<unknown, ContractError>]>) =>
      Effect.gen(function*() {
        const checked = yield* checkDomain(domain)
        const payloads = yield* Effect.forEach(items, ([, payload]) => payload)
        const now = Date.now()
        // Enqueued by a running job (its JobContext is in the fiber's context): the child inherits its lineage.
        const inherited = inheritedFrom(yield* Effect.serviceOption(JobContext))
        return yield* queue.enqueueBulk(checked, items.map(([options], i) => toRequest(options, payloads[i], now, inherited)))
      })

    return Producer.of({
      enqueue: (job, payload, options) => enqueueChecked(job.domain, [[options, job.encodePayload(payload)]]).pipe(Effect.flatMap(one)),
      enqueueBulk: (job, items) => enqueueChecked(job.domain, items.map((item) => [item, job.encodePayload(item.payload)] as const)),
      enqueueJson: (domain, payload, options) => {
        const spec = known.get(domain)
        const checked = spec === undefined ? Effect.succeed(payload) : spec.validatePayload(payload)
        return enqueueChecked(domain, [[options, checked]]).pipe(Effect.flatMap(one))
      },
      awaitOutcome: (target, jobId, options) =>
        waiters.await(domainOf(target), jobId, options?.timeout ?? Duration.infinity),
      status: (target, jobId) =>
        store.loadRecord(domainOf(target), jobId).pipe(
          Effect.flatMap((record) => record._tag === "Some" ? Effect.succeed(record.value) : Effect.fail(jobNotFound(domainOf(target), jobId)))
        ),
      cancel: (target, jobId) => cancelJob(domainOf(target), jobId).pipe(runtime, Effect.provideService(RuntimeConfig, settings)),
      retry: (target, jobId) => retryJob(domainOf(target), jobId).pipe(runtime, Effect.provideService(RuntimeConfig, settings))
    })
  })

export class Producer extends Context.Service<Producer, {
  readonly enqueue: <P, R>(job: JobDefinition<P, R>, payload: P, options: EnqueueOptions) => Effect.Effect<Enqueued, EnqueueFailure>
  /** Many jobs of one definition in one round trip; none is written if any payload is refused. */
  readonly enqueueBulk: <P, R>(
    job: JobDefinition<P, R>,
    items: ReadonlyArray<EnqueueOptions & { readonly payload: P }>
  ) => Effect.Effect<ReadonlyArray<Enqueued>, EnqueueFailure>
  /**
   * By domain name, for payloads that arrive as JSON (CLI, HTTP). Checked by the domain's schema
   * when this producer knows the domain's job; otherwise written as given.
   */
  readonly enqueueJson: (domain: string, payload: unknown, options: EnqueueOptions) => Effect.Effect<Enqueued, EnqueueFailure>
  /** Waits for the job to complete or fail (no polling: see producer/OutcomeWaiters.ts). */
  readonly awaitOutcome: (
    target: JobTarget,
    jobId: string,
    options?: AwaitOptions
  ) => Effect.Effect<JobOutcome, JobNotFound | OutcomeTimeout | ContractError | RedisError>
  readonly status: (target: JobTarget, jobId: string) => Effect.Effect<JobRecord, JobNotFound | ContractError | RedisError>
  /** Fails a queued job at once, or asks its worker to stop it. */
  readonly cancel: (target: JobTarget, jobId: string) => Effect.Effect<CancelResult, JobNotFound | RedisError>
  /** Runs a failed job again from its first attempt. */
  readonly retry: (target: JobTarget, jobId: string) => Effect.Effect<void, JobNotFound | RequeueRefused | RedisError>
}>()("jobs/Producer") {
  /** A producer that checks JSON payloads of the given jobs' domains (typed enqueues are always checked). */
  static readonly layerWithJobs = (jobs: ReadonlyArray<JobSpec>) =>
    Layer.effect(Producer, makeProducer(jobs))

  static readonly layer = Producer.layerWithJobs([])
}
