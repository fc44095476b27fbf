/**
 * What the job and task bus events share (`jobs:bus`, `tasks:bus`, and their durable logs): a versioned
 * `type` (`job.created.v1`), an `event_id` for de-duplication (the outbox row's id), `occurred_at`, and
 * flat snake_case fields. Every user id is a top-level `*user_id` field, read from its digits when
 * decoded (ids pass 2^53; see src/contracts/WireJson.ts), which is why events carry no nested records.
 */
import { Effect, Schema } from "effect"
import { ContractError } from "../contracts/ContractError.js"
import { type EventContract, eventFamily } from "../contracts/EventContract.js"
import { topLevelValueText } from "../contracts/WireJson.js"
import { IsoTimestamp } from "../contracts/WireFields.js"
import { UserId } from "../contracts/UserId.js"

export const EventId = Schema.String.check(Schema.isUUID(undefined, { message: "Expected a UUID event_id" }))

/** Fields of every bus event. `actor_user_id` is absent when the runtime (the run projection) caused it. */
export const envelopeFields = <T extends string>(type: T) => ({
  type: Schema.Literal(type),
  event_id: EventId,
  occurred_at: IsoTimestamp,
  actor_user_id: Schema.optionalKey(UserId)
})

export const busContract = <A>(type: string, schema: Schema.Codec<A>, name: string): EventContract<A> => ({
  type,
  name,
  schema
})

const integerLiteral = /^-?(?:0|[1-9]\d*)$/

/** JSON.parse of an object, with every top-level `*user_id` number replaced by the bigint of its digits. */
const parseExact = (family: string, text: string): Effect.Effect<Readonly<Record<string, unknown>>, ContractError> =>
  Effect.suspend(() => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return Effect.fail(new ContractError({ contract: family, message: `${family}: Expected a valid JSON string` }))
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return Effect.fail(new ContractError({ contract: family, message: `${family}: Expected a JSON object` }))
    }
    const record: Record<string, unknown> = { ...value }
    for (const [key, field] of Object.entries(record)) {
      if (!key.endsWith("user_id") || typeof field !== "number") continue
      const digits = topLevelValueText(text, key)
      if (digits !== undefined && integerLiteral.test(digits)) record[key] = BigInt(digits)
    }
    return Effect.succeed(record)
  })

/** decode/encode for one family of bus events (jobs or tasks), chosen by `type`. */
export const busFamily = <A extends { readonly type: string }>(family: string, contracts: ReadonlyArray<EventContract<A>>) => {
  const base = eventFamily(family, contracts)
  return {
    types: contracts.map((contract) => contract.type),
    isType: base.isType,
    encode: base.encode,
    decode: (text: string): Effect.Effect<A, ContractError> => parseExact(family, text).pipe(Effect.flatMap(base.decodeObject))
  }
}
