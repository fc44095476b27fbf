/** A named schema for one `type` discriminator, and the decode/encode steps every event family shares. */
import { Effect, Schema } from "effect"
import { ContractError } from "./ContractError.js"

export interface EventContract<A> {
  /** The wire `type` (or `event_type`) value this schema decodes. */
  readonly type: string
  /** The schema's name, used as the prefix of error messages. */
  readonly name: string
  readonly schema: Schema.Codec<A>
}

export const findContract = <A>(
  contracts: ReadonlyArray<EventContract<A>>,
  type: string
): EventContract<A> | undefined => contracts.find((contract) => contract.type === type)

/** Decodes a parsed JSON value with one contract; the error names the schema and the field. */
export const decodeWithContract = <A>(contract: EventContract<A>, value: unknown): Effect.Effect<A, ContractError> =>
  Schema.decodeUnknownEffect(contract.schema)(value).pipe(
    Effect.mapError((error) => ContractError.fromSchemaError(contract.name, error))
  )

/** Validates an event against its contract and renders it as wire JSON. */
export const encodeWithContract = <A>(contract: EventContract<A>, event: A): Effect.Effect<string, ContractError> =>
  Schema.encodeUnknownEffect(contract.schema)(event).pipe(
    Effect.map((encoded) => JSON.stringify(encoded)),
    Effect.mapError((error) => ContractError.fromSchemaError(contract.name, error))
  )

/** Fails with a message that lists the types a family knows. */
export const unknownType = (family: string, field: string, type: string, known: ReadonlyArray<string>) =>
  new ContractError({
    contract: family,
    message: `${family}: Unknown ${field} "${type}", expected one of ${known.join(", ")}`
  })
