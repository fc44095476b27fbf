/**
 * The per-job service a job program runs against. Each publish updates the status hash,
 * appends to the event log and publishes on `{domain}:events` in one script call, fenced
 * by the attempt's execution id so a job that lost its lease cannot write over its successor.
 */
import { Context, DateTime, Effect, Layer, type Schema } from "effect"
import type { ErrorKind, JobDomain } from "../contracts/JobDomain.js"
import { eventsLogKey, jobKey, queueKeys } from "../contracts/Keys.js"
import {
  defaultEventsChannel,
  type EventIdentity,
  type JobEventV1,
  makeCompletedEvent,
  makeFailedEvent,
  makeProgressEvent,
  makeStartedEvent
} from "../contracts/LifecycleEvents.js"
import { encodeEventJson } from "./EventJson.js"
import type { JobResult } from "./JobDefinition.js"
import { LeaseLost } from "./JobErrors.js"
import { RedisClient } from "./RedisClient.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import { loadLuaScript } from "./redis/LuaScript.js"
import type { RedisError } from "./redis/RedisError.js"

const scripts = {
  update: loadLuaScript(import.meta.url, "update-2.lua"),
  finish: loadLuaScript(import.meta.url, "finish-5.lua"),
  release: loadLuaScript(import.meta.url, "release-4.lua")
}

export interface JobInfo {
  readonly domain: JobDomain
  readonly jobId: string
  readonly userId: number
  /** Queue name reported in the started event. */
  readonly queue: string
  readonly executionId: string
  readonly attempt: number
  readonly maxAttempts: number
}

type Publish = Effect.Effect<void, LeaseLost | RedisError>

// Events are built from the contract constructors, so an encode failure is a bug, not an input error.
const encode = (event: JobEventV1) => encodeEventJson(event).pipe(Effect.orDie)
const now = DateTime.now.pipe(Effect.map(DateTime.formatIso))

export interface JobContextService {
  readonly info: JobInfo
  readonly publishStarted: Publish
  /** Progress 0..100 (rounded and clamped), with an optional message and a light domain hint. */
  readonly publishProgress: (progress: number, message?: string, payload?: Schema.Json) => Publish
  readonly publishCompleted: (result: JobResult) => Publish
  /** Ends the job as failed for good. */
  readonly publishFailed: (kind: ErrorKind, message: string, code?: string) => Publish
  /** Ends this attempt and schedules another at `runAt` (epoch ms); seen as a progress event. */
  readonly publishRetry: (message: string, error: string, runAt: number) => Publish
  /** Ends the job as failed and keeps it in the dead-letter set. */
  readonly publishDeadLetter: (kind: ErrorKind, message: string, code?: string) => Publish
  /** Gives the job back to the queue unfinished (worker shutting down); the attempt is not counted. */
  readonly release: (message: string) => Publish
}

export class JobContext extends Context.Service<JobContext, JobContextService>()("jobs/JobContext") {
  static readonly make = (info: JobInfo) =>
    Effect.gen(function*() {
      const redis = yield* RedisClient
      const settings = yield* RuntimeConfig
      const id: EventIdentity = { domain: info.domain, job_id: info.jobId, user_id: info.userId }
      const key = jobKey(info.domain, info.jobId)
      const keys = queueKeys(info.domain)
      const channel = defaultEventsChannel(info.domain)
      const log = eventsLogKey(info.domain)
      let progress = 0

      // Built only when a write is refused: an error captures a stack trace, too dear for every job.
      const lost = Effect.failSync(() => new LeaseLost({
        jobId: info.jobId,
        executionId: info.executionId,
        message: `job ${info.jobId}: execution ${info.executionId} no longer owns the job (lease expired or cancelled)`
      }))

      const update = (event: JobEventV1, fields: Record<string, string>) =>
        Effect.gen(function*() {
          const json = yield* encode(event)
          const reply = yield* redis.eval(scripts.update, [key, log], [
            info.executionId, channel, json, String(settings.eventsMaxLen),
            ...Object.entries({ ...fields, updated_at: yield* now }).flat()
          ])
          if (reply !== 1) return yield* lost
        })

      const finish = (
        outcome: "completed" | "failed" | "retry" | "dead",
        event: JobEventV1,
        fields: Record<string, string>,
        runAt = 0
      ) =>
        Effect.gen(function*() {
          const json = yield* encode(event)
          const retention = outcome === "completed" || outcome === "failed" ? settings.retentionMs : 0
          const reply = yield* redis.eval(scripts.finish, [key, log, keys.active, keys.delayed, keys.dead], [
            info.executionId, info.jobId, channel, json, String(settings.eventsMaxLen), outcome,
            String(retention), String(runAt), ...Object.entries({ ...fields, updated_at: yield* now }).flat()
          ])
          if (reply !== 1) return yield* lost
        })

      const publishProgress = (value: number, message?: string, payload?: Schema.Json) => {
        progress = Math.min(100, Math.max(0, Math.round(Number.isFinite(value) ? value : 0)))
        return update(makeProgressEvent(id, progress, message, payload), {
          progress: String(progress),
          ...(message === undefined ? {} : { message })
        })
      }

      return JobContext.of({
        info,
        publishStarted: update(makeStartedEvent(id, info.queue), {
          message: info.attempt > 1 ? `started (attempt ${info.attempt} of ${info.maxAttempts})` : "started"
        }),
        publishProgress,
        publishCompleted: (result) =>
          finish("completed", makeCompletedEvent(id, result.resultId, result.resultBytes), {
            status: "completed", progress: "100", message: "completed", error: "",
            result_id: result.resultId, result_bytes: String(result.resultBytes)
          }),
        publishFailed: (kind, message, code) =>
          finish("failed", makeFailedEvent(id, kind, message), {
            status: "failed", message, error: message, error_kind: kind, error_code: code ?? "", last_error: message
          }),
        publishRetry: (message, error, runAt) =>
          finish("retry", makeProgressEvent(id, progress, message), {
            status: "queued", message, last_error: error, next_run_at: String(runAt), execution_id: ""
          }, runAt),
        publishDeadLetter: (kind, message, code) =>
          finish("dead", makeFailedEvent(id, kind, message), {
            status: "failed", message, error: message, error_kind: kind, error_code: code ?? "", last_error: message
          }),
        release: (message) =>
          Effect.gen(function*() {
            const json = yield* encode(makeProgressEvent(id, progress, message))
            const reply = yield* redis.eval(scripts.release, [key, keys.active, keys.wait, log], [
              info.executionId, info.jobId, channel, json, String(settings.eventsMaxLen), yield* now, message
            ])
            if (reply !== 1) return yield* lost
          })
      })
    })

  static readonly layer = (info: JobInfo) => Layer.effect(JobContext, JobContext.make(info))
}
