import { Schema } from "effect"

/** A value crossing a boundary (channel message, Redis hash, payload) did not match its contract. */
export class ContractError extends Schema.TaggedError<ContractError>()("ContractError", {
  contract: Schema.String,
  message: Schema.String
}) {
  /** One readable line: `JobStartedV1: Expected an integer at ["user_id"]`. */
  static fromSchemaError(contract: string, error: { readonly message: string }): ContractError {
    return new ContractError({ contract, message: `${contract}: ${error.message.replace(/\s*\n\s*/g, " ")}` })
  }
}
