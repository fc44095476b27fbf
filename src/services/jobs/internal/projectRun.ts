/**
 * One lifecycle event of `{domain}:events:log` applied to the system of record (the run projection,
 * src/services/README.md "Run projection"). Called inside the projection's transaction, after the
 * stream position was checked; see ../RunProjection.ts for the reading and the idempotence.
 *
 * What the runtime writes, and what it becomes here (times are the stream entries' own times, so a
 * replay computes the same values):
 * - `started` (claimed): the open run of the job, if any, ends as `retrying` (its worker died or handed
 *   it back); a `running` run is inserted with `attempt` = previous runs + 1 and `execution_id`
 *   `{domain}:{entry id}`; the job counts an attempt and takes `run_started` (scheduled -> running when
 *   the runtime's scheduler fired it). A job the runtime enqueued on its own (not derived from a job id,
 *   see ../runtimeIds.ts) is created here, owned by the event's `user_id`.
 * - `progress` announcing a retry (`retrying after ...`), a requeue after an expired lease or a hand-back
 *   on shutdown: the open run ends as `retrying`; the job stays `running`.
 * - `completed`: the open run ends `succeeded`, the job takes `succeed`.
 * - `failed` (always final: a retry is a progress event): the open run ends `failed` and the job takes
 *   `fail`; when its message says it was cancelled, the run ends `cancelled` and the job takes `cancel`.
 *
 * The job's status moves only for events of its current runtime job (`runtime_job_id`): a run the
 * service replaced (rescheduled, started by hand) reports into its run row, never into the job.
 * A transition the job does not allow any more (it was cancelled or completed from outside meanwhile)
 * leaves the status as it is.
 */
import { randomUUID } from "node:crypto"
import { DateTime, Effect } from "effect"
import type { SqlError } from "effect/sql"
import type { JobDomain } from "../../../contracts/JobDomain.js"
import type { JobEventV1 } from "../../../contracts/LifecycleEvents.js"
import { cancelledMessage } from "../../../runtime/Cancellation.js"
import { RedisClient } from "../../../redis/RedisClient.js"
import { replyArray, replyNumber, replyString } from "../../../redis/RedisReply.js"
import type { Outbox } from "../../outbox/Outbox.js"
import { appendJobEvents, type JobEventBody, statusChanged } from "../jobOutbox.js"
import { JobRepository, type RunEnd } from "../JobRepository.js"
import { originOf, runtimeKey } from "../runtimeIds.js"
import { finalJobStatuses, type JobAction, transition } from "../transitions.js"
import type { Job } from "../types.js"

export interface LogEntry {
  readonly domain: JobDomain
  /** The stream entry id (`<ms>-<seq>`). */
  readonly id: string
  readonly event: JobEventV1
}

/** The time a stream entry was added: the milliseconds part of its id. */
export const entryTime = (id: string): DateTime.Utc => DateTime.makeUnsafe(Number(id.split("-")[0] ?? 0))

/** Progress messages by which the runtime ends an attempt that will run again (Worker.ts, recover-4.lua). */
const endsAttempt = (message: string | undefined): boolean =>
  message !== undefined && (
    message.startsWith("retrying after ") ||
    (message.startsWith("lease expired on attempt ") && message.endsWith("; requeued")) ||
    message.startsWith("returned to queue")
  )

const isCancellation = (event: JobEventV1): boolean =>
  event.type.endsWith(".job.failed.v1") && "message" in event && event.message.startsWith(cancelledMessage) &&
  "error_kind" in event && event.error_kind === "user"

type Services = JobRepository | Outbox | RedisClient

/** The payload and attempts of a runtime job from its record (best effort: it may have expired). */
const runtimeRecord = (domain: JobDomain, runtimeId: string) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const reply = yield* redis.send("HMGET", runtimeKey(domain, runtimeId), "payload", "max_attempts")
    const [payload, maxAttempts] = replyArray(reply) ?? []
    const text = payload === undefined ? undefined : replyString(payload)
    const parsed = (() => {
      try {
        return text === undefined ? undefined : (JSON.parse(text), text)
      } catch {
        return undefined
      }
    })()
    const attempts = maxAttempts === undefined ? undefined : replyNumber(maxAttempts)
    return {
      payload: parsed ?? "{}",
      maxAttempts: attempts !== undefined && Number.isInteger(attempts) && attempts >= 1 && attempts <= 100 ? attempts : 3
    }
  }).pipe(
    Effect.catchTag("RedisError", (error) =>
      Effect.logWarning(`could not read the runtime record of ${runtimeId}: ${error.message}`).pipe(
        Effect.as({ payload: "{}", maxAttempts: 3 })
      ))
  )

/** A job for a runtime job that was enqueued straight through the queue (owner: the event's user). */
const createRuntimeOnly = (entry: LogEntry) =>
  Effect.gen(function*() {
    const repo = yield* JobRepository
    const { domain, event } = entry
    const record = yield* runtimeRecord(domain, event.job_id)
    const job = yield* repo.insert({
      id: randomUUID(),
      user_id: event.user_id,
      domain,
      name: event.job_id,
      description: null,
      payload: record.payload,
      status: "running",
      priority: "medium",
      schedule: null,
      max_attempts: record.maxAttempts,
      runtime_job_id: runtimeKey(domain, event.job_id)
    })
    yield* appendJobEvents(job, undefined, [
      { type: "job.created.v1", name: job.name, status: job.status, priority: job.priority },
      { type: "job.started.v1", runtime_job_id: runtimeKey(domain, event.job_id) }
    ])
    return job
  })

/** The job an event is about, row-locked; created for a runtime-only job when the event starts or ends it. */
const findJob = (entry: LogEntry) =>
  Effect.gen(function*() {
    const repo = yield* JobRepository
    const origin = originOf(entry.event.job_id)
    if (origin !== undefined) {
      // A job deleted since (its runtime job still reported) is not brought back.
      const job = yield* repo.findForUpdate(origin.jobId)
      return job !== undefined && job.domain === entry.domain ? job : undefined
    }
    const job = yield* repo.findByRuntimeKeyForUpdate(runtimeKey(entry.domain, entry.event.job_id))
    if (job !== undefined || entry.event.type.endsWith(".job.progress.v1")) return job
    return yield* createRuntimeOnly(entry)
  })

/** Moves the job by `action` when it allows it; returns the status events. */
const move = (job: Job, action: JobAction, extra: ReadonlyArray<JobEventBody>) =>
  Effect.gen(function*() {
    const to = transition(job, action)
    if (to._tag === "Failure") return
    const repo = yield* JobRepository
    const moved = to.success === job.status ? job : yield* repo.update(job.id, { status: to.success })
    yield* appendJobEvents(moved, undefined, [...statusChanged(job.status, to.success), ...extra])
  })

const endOpenRun = (job: Job, end: RunEnd) =>
  Effect.gen(function*() {
    const repo = yield* JobRepository
    const open = yield* repo.openRun(job.id)
    if (open !== undefined) yield* repo.closeRun(job.id, open.attempt, end)
  })

/** Applies one decoded lifecycle event (inside the caller's transaction). */
export const applyLifecycle = (entry: LogEntry): Effect.Effect<void, SqlError.SqlError, Services> =>
  Effect.gen(function*() {
    const repo = yield* JobRepository
    const job = yield* findJob(entry)
    if (job === undefined) return
    const { domain, event } = entry
    const at = entryTime(entry.id)
    const key = runtimeKey(domain, event.job_id)
    const current = job.runtime_job_id === key

    if (event.type.endsWith(".job.started.v1")) {
      yield* endOpenRun(job, { outcome: "retrying", ended_at: at, error: "attempt ended without an outcome (its worker stopped)" })
      const attempt = (yield* repo.lastAttempt(job.id)) + 1
      const inserted = yield* repo.insertRun({ job_id: job.id, attempt, execution_id: `${domain}:${entry.id}`, started_at: at })
      if (!inserted) return
      // A cron occurrence becomes the job's current runtime job when it starts (unless the job is over).
      const takesOver = current || (originOf(event.job_id)?.kind === "occurrence" && !finalJobStatuses.includes(job.status))
      const counted = yield* repo.update(job.id, { add_attempts: 1, ...(takesOver ? { runtime_job_id: key } : {}) })
      if (takesOver && job.status !== "running") yield* move(counted, "run_started", [{ type: "job.started.v1", runtime_job_id: key }])
      return
    }
    if (event.type.endsWith(".job.progress.v1")) {
      const message = "message" in event ? event.message : undefined
      if (endsAttempt(message)) yield* endOpenRun(job, { outcome: "retrying", ended_at: at, error: message ?? null })
      return
    }
    if (event.type.endsWith(".job.completed.v1") && "result_id" in event) {
      yield* endOpenRun(job, { outcome: "succeeded", ended_at: at, error: null })
      if (current) {
        yield* move(job, "succeed", [{ type: "job.succeeded.v1", result: { result_id: event.result_id, result_bytes: event.result_bytes } }])
      }
      return
    }
    if (event.type.endsWith(".job.failed.v1") && "error_kind" in event) {
      const cancelled = isCancellation(event)
      yield* endOpenRun(job, { outcome: cancelled ? "cancelled" : "failed", ended_at: at, error: event.message })
      if (current) {
        yield* cancelled
          ? move(job, "cancel", [{ type: "job.cancelled.v1", reason: event.message }])
          : move(job, "fail", [{ type: "job.failed.v1", error: event.message }])
      }
    }
  })
