import { Schema } from "effect"

export const MusicWrappedErrorReason = Schema.Literals([
  "InvalidPayload",
  "InvalidJson",
  "InvalidShape",
  "OversizeInput",
  "InvalidEncoding"
])

/** The streaming history cannot be summarised; `index` names the offending entry of the export array. */
export class MusicWrappedError extends Schema.TaggedError<MusicWrappedError>()("MusicWrappedError", {
  reason: MusicWrappedErrorReason,
  message: Schema.String,
  index: Schema.optionalKey(Schema.Int),
  field: Schema.optionalKey(Schema.String)
}) {}
