import { Effect, Schema } from "effect"
import { ContractError } from "./ContractError.js"
import { withExactUserId } from "./WireJson.js"

const UnknownRecordFromJson = Schema.fromJsonString(Schema.Record(Schema.String, Schema.Unknown))
const decodeRecord = Schema.decodeUnknownEffect(UnknownRecordFromJson)

/**
 * Parses a JSON text that must hold an object, naming the contract in the error. A top-level
 * `user_id` is read from its digits, exactly (see WireJson.ts).
 */
export const parseJsonObject = (contract: string, text: string) =>
  decodeRecord(text).pipe(
    Effect.map((record) => withExactUserId(text, record)),
    Effect.mapError((error) => ContractError.fromSchemaError(contract, error))
  )

/** Reads the string `type` discriminator of a decoded JSON object. */
export const readType = (contract: string, record: Readonly<Record<string, unknown>>) => {
  const type = record["type"]
  return typeof type === "string"
    ? Effect.succeed(type)
    : Effect.fail(new ContractError({ contract, message: `${contract}: Expected a string at ["type"]` }))
}
