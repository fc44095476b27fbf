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
}) {
  /** Always the submitter's to fix: the runtime reports it with error_kind "user" and does not retry. */
  readonly kind = "user" as const
  /** A stable code for clients, e.g. OVERSIZE_INPUT (for `JobUserError.code`). */
  get code(): string {
    return this.reason.replace(/(?<=[a-z])(?=[A-Z])/g, "_").toUpperCase()
  }
}
