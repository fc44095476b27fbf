/** A named schema for one `type` discriminator, and the decode/encode steps every event family shares. */
import { Effect, Schema } from "effect"
import { ContractError } from "./ContractError.js"
import { parseJsonObject, readType } from "./JsonObject.js"
import { stringifyWire } from "./WireJson.js"

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

const floatKeysCache = new WeakMap<object, ReadonlySet<string>>()

const isNumberType = (fragment: unknown): boolean => {
  if (typeof fragment !== "object" || fragment === null) return false
  if ("type" in fragment && fragment.type === "number") return true
  const branches = "anyOf" in fragment ? fragment.anyOf : "oneOf" in fragment ? fragment.oneOf : undefined
  return Array.isArray(branches) && branches.some(isNumberType)
}

/**
 * The top-level fields a schema types as floats: those its JSON Schema (the published contract)
 * calls `number` rather than `integer`. Worked out once per schema.
 */
export const floatKeysOf = (schema: Schema.Top): ReadonlySet<string> => {
  const cached = floatKeysCache.get(schema)
  if (cached !== undefined) return cached
  const document = Schema.toJsonSchemaDocument(schema)
  const ref = document.schema["$ref"]
  const root = typeof ref === "string" ? document.definitions[ref.slice(ref.lastIndexOf("/") + 1)] : document.schema
  const properties = root?.["properties"]
  const keys = new Set<string>()
  if (typeof properties === "object" && properties !== null) {
    for (const [key, fragment] of Object.entries(properties)) if (isNumberType(fragment)) keys.add(key)
  }
  floatKeysCache.set(schema, keys)
  return keys
}

/**
 * Validates an event against its contract and renders it as wire JSON: float fields keep a
 * float form (`1.0`) and `user_id` is written from its bigint's digits (see WireJson.ts).
 */
export const encodeWithContract = <A>(contract: EventContract<A>, event: A): Effect.Effect<string, ContractError> =>
  Schema.encodeUnknownEffect(contract.schema)(event).pipe(
    Effect.map((encoded) => stringifyWire(encoded, floatKeysOf(contract.schema))),
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
