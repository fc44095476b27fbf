/**
 * What the JobService asks of the runtime (src/runtime), behind one seam so the rules in
 * JobServiceLive.ts read as rules: enqueue a run through the Producer, cancel a runtime job (a
 * waiting one fails at once, a running one's fiber is interrupted by its worker), and register or
 * remove a cron job's schedule (src/runtime/Schedules.ts). Runtime ids are derived from the job's
 * UUID (./runtimeIds.ts), so the run projection maps the runtime's events back to the job.
 *
 * Errors: a payload or schedule the runtime refuses is a `Validation` naming the field; Redis being
 * down is a defect here (the service's error channel is the seed's OperationResult, and a caller
 * cannot fix an outage by changing the request), so the HTTP layer answers 500 and the transaction
 * around the call rolls back.
 */
import { Clock, Context, Effect, Layer } from "effect"
import type { CancelOutcome } from "../../runtime/Cancellation.js"
import { Producer } from "../../runtime/Producer.js"
import { RedisClient } from "../../redis/RedisClient.js"
import { RuntimeConfig } from "../../runtime/RuntimeConfig.js"
import { addSchedule, removeSchedule } from "../../runtime/Schedules.js"
import { validation, type Validation, validationFromSchemaError } from "../errors.js"
import { nextRunNumber, runtimeIdOfKey, runtimeKey, runtimeRunId, scheduleName } from "./runtimeIds.js"
import type { Job } from "./types.js"

type CronSchedule = { readonly kind: "cron"; readonly cron: string; readonly timezone?: string }

/** The runtime's scheduler reads cron expressions in UTC (Schedules.ts). */
const utcNames: ReadonlySet<string> = new Set(["UTC", "Etc/UTC", "Z", "GMT", "Etc/GMT"])

const payloadValidation = (error: { readonly message: string }): Validation => {
  const found = validationFromSchemaError(error)
  return validation(found.field === "body" ? "payload" : `payload.${found.field}`, error.message)
}

/** How many run numbers `enqueueRun` tries past the derived one (each taken id is a run that exists). */
const maxIdProbes = 20

export class JobRuntime extends Context.Service<JobRuntime, {
  /** Enqueues a run of the job (now, or at `runAt` epoch ms); returns the key for `runtime_job_id`. */
  readonly enqueueRun: (job: Job, options?: { readonly runAt?: number }) => Effect.Effect<string, Validation>
  /** Cancels the runtime job behind a stored key; a job the runtime no longer has is nothing to do. */
  readonly cancelRun: (domain: string, key: string) => Effect.Effect<CancelOutcome | "missing">
  readonly registerCron: (job: Job, schedule: CronSchedule) => Effect.Effect<void, Validation>
  /** Removes the job's schedule and its occurrences already waiting. */
  readonly removeCron: (job: Job) => Effect.Effect<void>
  /**
   * Lets go of everything the runtime holds for the job as it is now: cancels its running run (the
   * worker interrupts the fiber) or its waiting `at` run, and removes its cron schedule.
   */
  readonly release: (job: Job) => Effect.Effect<void>
}>()("jobs/services/JobRuntime") {
  static readonly make = Effect.gen(function*() {
    const producer = yield* Producer
    const redis = yield* RedisClient
    const settings = yield* RuntimeConfig
    const provide = <A, E>(effect: Effect.Effect<A, E, RedisClient | RuntimeConfig>) =>
      effect.pipe(Effect.provideService(RedisClient, redis), Effect.provideService(RuntimeConfig, settings))

    const enqueueAs = (job: Job, n: number, runAt: number | undefined): Effect.Effect<string, Validation> =>
      producer.enqueueJson(job.domain, job.payload, {
        userId: job.user_id,
        jobId: runtimeRunId(job.id, n),
        maxAttempts: job.max_attempts,
        ...(runAt === undefined ? {} : { runAt })
      }).pipe(
        Effect.catchTags({
          ContractError: (error) => Effect.fail(payloadValidation(error)),
          EnqueueError: (error) => Effect.fail(validation("payload", error.message)),
          RedisError: Effect.die
        }),
        Effect.flatMap((enqueued) =>
          enqueued.added
            ? Effect.succeed(runtimeKey(job.domain, enqueued.jobId))
            : n < nextRunNumber(job.id, job.domain, job.runtime_job_id) + maxIdProbes
            ? enqueueAs(job, n + 1, runAt)
            : Effect.die(new Error(`no free runtime id for job ${job.id} (tried up to ${runtimeRunId(job.id, n)})`))
        )
      )

    const cancelRun = (domain: string, key: string) => {
      const runtimeId = runtimeIdOfKey(domain, key)
      return runtimeId === undefined
        ? Effect.succeed("missing" as const)
        : producer.cancel(domain, runtimeId).pipe(
          Effect.map((result): CancelOutcome | "missing" => result.outcome),
          Effect.catchTags({ JobNotFound: () => Effect.succeed("missing" as const), RedisError: Effect.die })
        )
    }
    const removeCron = (job: Job) => provide(removeSchedule(job.domain, scheduleName(job.id))).pipe(Effect.asVoid, Effect.orDie)

    return JobRuntime.of({
      enqueueRun: (job, options) => enqueueAs(job, nextRunNumber(job.id, job.domain, job.runtime_job_id), options?.runAt),
      cancelRun,
      registerCron: (job, schedule) =>
        Effect.gen(function*() {
          if (schedule.timezone !== undefined && !utcNames.has(schedule.timezone)) {
            return yield* validation(
              "schedule.timezone",
              `the runtime's scheduler reads cron expressions in UTC; write the expression for UTC and leave out timezone (got "${schedule.timezone}")`
            )
          }
          const now = yield* Clock.currentTimeMillis
          yield* provide(addSchedule(job.domain, {
            name: scheduleName(job.id),
            cron: schedule.cron,
            anchor_ms: now,
            user_id: job.user_id,
            payload: job.payload,
            max_attempts: job.max_attempts
          })).pipe(
            Effect.catchTags({
              ScheduleError: (error) => Effect.fail(validation("schedule.cron", error.message)),
              RedisError: Effect.die,
              ConfigError: Effect.die
            })
          )
        }),
      removeCron,
      release: (job) =>
        Effect.gen(function*() {
          const waiting = job.status === "scheduled" && job.schedule?.kind === "at"
          if (job.runtime_job_id !== null && (job.status === "running" || waiting)) yield* cancelRun(job.domain, job.runtime_job_id)
          if (job.schedule?.kind === "cron") yield* removeCron(job)
        })
    })
  })

  /** Over the runtime's Producer, Redis client and settings (RuntimeLayer.ts, JobsLayer.ts). */
  static readonly layer: Layer.Layer<JobRuntime, never, Producer | RedisClient | RuntimeConfig> = Layer.effect(JobRuntime, JobRuntime.make)
}
