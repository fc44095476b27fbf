/** A named schema for one `type` discriminator, and the decode/encode steps every event family shares. */
import { Effect, Schema } from "effect"
import { ContractError } from "./ContractError.js"
import { parseJsonObject, readType } from "./JsonObject.js"

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

/**
 * The decode/encode entry points of a family discriminated by `type` (digits metrics, digits
 * train, trainer metrics): the schema is chosen by `type`, so errors name the field that failed.
 */
export const eventFamily = <A extends { readonly type: string }>(family: string, contracts: ReadonlyArray<EventContract<A>>) => {
  const knownTypes = contracts.map((contract) => contract.type)
  const decodeObject = (record: Readonly<Record<string, unknown>>): Effect.Effect<A, ContractError> =>
    Effect.gen(function*() {
      const type = yield* readType(family, record)
      const contract = findContract(contracts, type)
      if (contract === undefined) return yield* unknownType(family, "type", type, knownTypes)
      return yield* decodeWithContract(contract, record)
    })
  return {
    isType: (type: string): boolean => findContract(contracts, type) !== undefined,
    decodeObject,
    decode: (json: string): Effect.Effect<A, ContractError> => parseJsonObject(family, json).pipe(Effect.flatMap(decodeObject)),
    encode: (event: A): Effect.Effect<string, ContractError> => {
      const contract = findContract(contracts, event.type)
      return contract === undefined
        ? Effect.fail(unknownType(family, "type", event.type, knownTypes))
        : encodeWithContract(contract, event)
    }
  }
}
