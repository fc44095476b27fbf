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
}) {}
