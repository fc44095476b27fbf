/**
 * What a domain gives the runtime: its payload schema and its job, an Effect program
 * written against JobContext. Domains never touch Redis.
 */
import { Effect, Schema } from "effect"
import { ContractError } from "../contracts/ContractError.js"
import type { JobDomain } from "../contracts/JobDomain.js"
import type { JobContext } from "./JobContext.js"
import type { JobSystemError, JobUserError, LeaseLost } from "./JobErrors.js"
import type { RedisError } from "../redis/RedisError.js"

/** Everything a job may fail with. Domains map their own errors to JobUserError or JobSystemError. */
export type JobFailure = JobUserError | JobSystemError | LeaseLost | RedisError

/** What a completed job reports (seed 000 `JobCompletedV1`). */
export interface JobResult {
  readonly resultId: string
  readonly resultBytes: number
}

/**
 * A job with its payload type erased: enough to check a payload that arrives as plain JSON
 * (CLI, HTTP, a registry of many domains) before anything is written.
 */
export interface JobSpec {
  readonly domain: JobDomain
  /** Decodes an unknown payload with the job's schema and gives back its wire form, or says which field is wrong. */
  readonly validatePayload: (payload: unknown) => Effect.Effect<unknown, ContractError>
}

/** What a job author writes; `defineJob` turns it into a JobDefinition. */
export interface JobDefinitionInput<P, R> {
  /** Any name matching `^[a-z][a-z0-9_]{0,31}$`: it names the domain's keys, channel and event types. */
  readonly domain: JobDomain
  /** Decodes the stored payload; a decode failure fails the job as a user error. */
  readonly payload: Schema.Codec<P, unknown>
  /** The job itself. JobUserError ends it as a user error; anything else (and any defect) is a system error. */
  readonly run: (payload: P) => Effect.Effect<JobResult, JobFailure, JobContext | R>
}

export interface JobDefinition<P, R> extends JobDefinitionInput<P, R>, JobSpec {
  /** Checks a typed payload against the schema and gives its wire form (what the worker will decode). */
  readonly encodePayload: (payload: P) => Effect.Effect<unknown, ContractError>
}

export const defineJob = <P, R = never>(input: JobDefinitionInput<P, R>): JobDefinition<P, R> => {
  const contract = `${input.domain} payload`
  const refused = (error: { readonly message: string }) => ContractError.fromSchemaError(contract, error)
  // Strict at the producer: a field the schema does not know is refused, not silently dropped.
  const strict = { onExcessProperty: "error" } as const
  const decode = Schema.decodeUnknownEffect(input.payload, strict)
  const encode = Schema.encodeUnknownEffect(input.payload, strict)
  return {
    ...input,
    validatePayload: (payload) => decode(payload).pipe(Effect.flatMap(encode), Effect.mapError(refused)),
    // Encoding checks the value; decoding the result again proves the worker will accept it.
    encodePayload: (payload) => encode(payload).pipe(Effect.tap(decode), Effect.mapError(refused))
  }
}
