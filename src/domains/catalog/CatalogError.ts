import { Schema } from "effect"

export const CatalogErrorReason = Schema.Literals([
  "InvalidPayload",
  "UnknownMarketplace",
  "UnknownCategory",
  "UnknownRegion",
  "InvalidCsv",
  "MissingColumns",
  "EmptyInput",
  "OversizeInput",
  "InvalidEncoding"
])

/** The product file cannot be validated at all (per-row problems are issues in the report, not errors). */
export class CatalogError extends Schema.TaggedError<CatalogError>()("CatalogError", {
  reason: CatalogErrorReason,
  message: Schema.String,
  line: Schema.optionalKey(Schema.Int)
}) {
  /** Always the submitter's to fix: the runtime reports it with error_kind "user" and does not retry. */
  readonly kind = "user" as const
  /** A stable code for clients, e.g. OVERSIZE_INPUT (for `JobUserError.code`). */
  get code(): string {
    return this.reason.replace(/(?<=[a-z])(?=[A-Z])/g, "_").toUpperCase()
  }
}
