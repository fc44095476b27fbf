/** Reads and writes the job status hash `{domain}:job:{id}` through the contract codec. */
import { Context, Effect, Layer, Option } from "effect"
import type { ContractError } from "../contracts/ContractError.js"
import type { JobDomain } from "../contracts/JobDomain.js"
import { decodeJobStatus, encodeJobStatus, type JobStatus } from "../contracts/JobStatus.js"
import { jobKey } from "../contracts/Keys.js"
import { RedisClient } from "../redis/RedisClient.js"
import { RedisError } from "../redis/RedisError.js"
import { replyRecord } from "../redis/RedisReply.js"

/** Runtime fields kept beside the contract fields in the same hash. */
export interface JobRecord {
  readonly status: JobStatus
  readonly attempt: number
  readonly maxAttempts: number
  readonly executionId: string | null
  readonly nextRunAt: number | null
  readonly lastError: string | null
  readonly errorKind: string | null
  /** Stable error code of a failed job (e.g. INVALID_CONFIG), when the job gave one. */
  readonly errorCode: string | null
  readonly resultId: string | null
  readonly resultBytes: number | null
  readonly payload: string | null
}

const optional = (raw: Readonly<Record<string, string>>, key: string): string | null => {
  const value = raw[key]?.trim()
  return value === undefined || value === "" ? null : value
}

const optionalInt = (raw: Readonly<Record<string, string>>, key: string): number | null => {
  const value = optional(raw, key)
  return value !== null && /^-?\d+$/.test(value) ? Number(value) : null
}

export class JobStore extends Context.Service<JobStore, {
  readonly load: (domain: JobDomain, jobId: string) => Effect.Effect<Option.Option<JobStatus>, ContractError | RedisError>
  readonly loadRecord: (domain: JobDomain, jobId: string) => Effect.Effect<Option.Option<JobRecord>, ContractError | RedisError>
  readonly save: (domain: JobDomain, status: JobStatus) => Effect.Effect<void, RedisError>
}>()("jobs/JobStore") {
  static readonly layer = Layer.effect(JobStore, Effect.gen(function*() {
    const redis = yield* RedisClient

    const readHash = (domain: JobDomain, jobId: string) =>
      redis.send("HGETALL", jobKey(domain, jobId)).pipe(
        Effect.flatMap((reply) => {
          const record = replyRecord(reply)
          return record === undefined
            ? Effect.fail(new RedisError({ op: "hgetall", message: `unreadable reply for ${jobKey(domain, jobId)}` }))
            : Effect.succeed(record)
        })
      )

    const loadRecord = (domain: JobDomain, jobId: string) =>
      readHash(domain, jobId).pipe(
        Effect.flatMap((raw) =>
          Object.keys(raw).length === 0
            ? Effect.succeedNone
            : decodeJobStatus(jobId, raw).pipe(Effect.map((status) => Option.some({
              status,
              attempt: optionalInt(raw, "attempt") ?? 0,
              maxAttempts: optionalInt(raw, "max_attempts") ?? 1,
              executionId: optional(raw, "execution_id"),
              nextRunAt: optionalInt(raw, "next_run_at"),
              lastError: optional(raw, "last_error"),
              errorKind: optional(raw, "error_kind"),
              errorCode: optional(raw, "error_code"),
              resultId: optional(raw, "result_id"),
              resultBytes: optionalInt(raw, "result_bytes"),
              payload: optional(raw, "payload")
            })))
        )
      )

    return JobStore.of({
      load: (domain, jobId) => loadRecord(domain, jobId).pipe(Effect.map(Option.map((record) => record.status))),
      loadRecord,
      save: (domain, status) =>
        redis.send("HSET", jobKey(domain, status.job_id), ...Object.entries(encodeJobStatus(status)).flat()).pipe(Effect.asVoid)
    })
  }))
}
