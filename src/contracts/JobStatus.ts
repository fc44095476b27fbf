/**
 * The job status hash `{domain}:job:{job_id}` (seed 000, `BaseJobStatus`), and its codec to
 * and from Redis hash fields (all values strings) with the seed's strict parse rules.
 */
import { DateTime, Effect, Schema } from "effect"
import { ContractError } from "./ContractError.js"
import { formatTimestamp, parseIsoDateTime } from "./Timestamps.js"
import { isUserIdInRange, type UserId, userIdRangeText } from "./UserId.js"

export const jobStatuses = ["queued", "processing", "completed", "failed"] as const
export const JobStatusLiteral = Schema.Literals(jobStatuses)
export type JobStatusLiteral = typeof JobStatusLiteral.Type

export interface JobStatus {
  readonly job_id: string
  readonly user_id: UserId
  readonly status: JobStatusLiteral
  readonly progress: number
  readonly message: string | null
  readonly created_at: DateTime.Utc
  readonly updated_at: DateTime.Utc
  readonly error: string | null
}

const fail = (jobId: string, message: string) =>
  Effect.fail(new ContractError({ contract: "JobStatus", message: `job ${jobId}: ${message}` }))

const parseStatus = (jobId: string, raw: Readonly<Record<string, string>>) => {
  const value = raw["status"]
  if (value === undefined) return fail(jobId, "missing status in redis store")
  const status = jobStatuses.find((s) => s === value)
  return status === undefined
    ? fail(jobId, `invalid status in redis store: "${value}" (expected one of ${jobStatuses.join(", ")})`)
    : Effect.succeed(status)
}

const parseIntField = (jobId: string, raw: Readonly<Record<string, string>>, key: string) => {
  const value = raw[key]
  if (value === undefined) return fail(jobId, `missing ${key} in redis store`)
  const stripped = value.trim()
  return /^-?\d+$/.test(stripped) && Number.isSafeInteger(Number(stripped))
    ? Effect.succeed(Number(stripped))
    : fail(jobId, `invalid ${key} in redis store: "${value}" is not an integer`)
}

// The seed's parse_int_field: strip, then digits with an optional minus; as a bigint, it must fit 64 bits.
const parseUserIdField = (jobId: string, raw: Readonly<Record<string, string>>) => {
  const value = raw["user_id"]
  if (value === undefined) return fail(jobId, "missing user_id in redis store")
  const stripped = value.trim()
  if (!/^-?\d+$/.test(stripped)) return fail(jobId, `invalid user_id in redis store: "${value}" is not an integer`)
  const userId = BigInt(stripped)
  return isUserIdInRange(userId)
    ? Effect.succeed(userId)
    : fail(jobId, `invalid user_id in redis store: ${stripped} is outside the signed 64-bit range ${userIdRangeText}`)
}

// The seed's parse_datetime_field: blank is missing, else datetime.fromisoformat of the value as
// it is (not stripped); see Timestamps.ts for the forms that takes.
const parseDateTimeField = (jobId: string, raw: Readonly<Record<string, string>>, key: string) => {
  const value = raw[key]
  if (value === undefined || value.trim() === "") return fail(jobId, `missing ${key} in redis store`)
  const epochMs = parseIsoDateTime(value)
  return epochMs === undefined
    ? fail(jobId, `invalid ${key} in redis store: "${value}" is not an ISO 8601 datetime`)
    : Effect.succeed(DateTime.makeUnsafe(epochMs))
}

const parseOptionalString = (raw: Readonly<Record<string, string>>, key: string): string | null => {
  const value = raw[key]
  if (value === undefined) return null
  const stripped = value.trim()
  return stripped === "" ? null : stripped
}

/** Reads a status hash; any missing or malformed field is a `ContractError` naming the job and field. */
export const decodeJobStatus = (
  jobId: string,
  raw: Readonly<Record<string, string>>
): Effect.Effect<JobStatus, ContractError> =>
  Effect.gen(function*() {
    const status = yield* parseStatus(jobId, raw)
    const user_id = yield* parseUserIdField(jobId, raw)
    const progress = yield* parseIntField(jobId, raw, "progress")
    if (progress < 0 || progress > 100) return yield* fail(jobId, `invalid progress in redis store: ${progress} is outside 0..100`)
    const created_at = yield* parseDateTimeField(jobId, raw, "created_at")
    const updated_at = yield* parseDateTimeField(jobId, raw, "updated_at")
    return {
      job_id: jobId,
      user_id,
      status,
      progress,
      message: parseOptionalString(raw, "message"),
      created_at,
      updated_at,
      error: parseOptionalString(raw, "error")
    }
  })

/** The hash fields of a status; `null` optionals are written as empty strings. */
export const encodeJobStatus = (status: JobStatus): Record<string, string> => ({
  job_id: status.job_id,
  user_id: String(status.user_id),
  status: status.status,
  progress: String(status.progress),
  message: status.message ?? "",
  created_at: formatTimestamp(DateTime.toEpochMillis(status.created_at)),
  updated_at: formatTimestamp(DateTime.toEpochMillis(status.updated_at)),
  error: status.error ?? ""
})

/** JSON view of a status, as the CLI prints it (write it with WireJson's stringifyWire: user_id is a bigint). */
export const jobStatusToJson = (status: JobStatus) => ({
  ...status,
  created_at: formatTimestamp(DateTime.toEpochMillis(status.created_at)),
  updated_at: formatTimestamp(DateTime.toEpochMillis(status.updated_at))
})
