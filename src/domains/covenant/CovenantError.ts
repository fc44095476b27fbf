import { Schema } from "effect"

export const CovenantErrorReason = Schema.Literals([
  "InvalidPayload",
  "InvalidCsv",
  "MissingColumns",
  "InvalidCell",
  "DuplicateRow",
  "EmptyInput",
  "OversizeInput",
  "InvalidEncoding"
])

/** The financials CSV cannot be monitored; `line` (1-based) and `column` point at the cell when there is one. */
export class CovenantError extends Schema.TaggedError<CovenantError>()("CovenantError", {
  reason: CovenantErrorReason,
  message: Schema.String,
  line: Schema.optionalKey(Schema.Int),
  column: Schema.optionalKey(Schema.String)
}) {
  /** Always the submitter's to fix: the runtime reports it with error_kind "user" and does not retry. */
  readonly kind = "user" as const
  /** A stable code for clients, e.g. OVERSIZE_INPUT (for `JobUserError.code`). */
  get code(): string {
    return this.reason.replace(/(?<=[a-z])(?=[A-Z])/g, "_").toUpperCase()
  }
}
