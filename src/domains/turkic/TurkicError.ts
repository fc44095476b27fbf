import { Schema } from "effect"

/** Why a corpus job cannot run; every reason is the submitter's to fix. */
export const TurkicErrorReason = Schema.Literals([
  "InvalidPayload",
  "UnsupportedTransliteration",
  "EmptyCorpus",
  "OversizeInput",
  "InvalidEncoding"
])

export class TurkicError extends Schema.TaggedError<TurkicError>()("TurkicError", {
  reason: TurkicErrorReason,
  message: Schema.String
}) {
  /** Always the submitter's to fix: the runtime reports it with error_kind "user" and does not retry. */
  readonly kind = "user" as const
  /** A stable code for clients, e.g. OVERSIZE_INPUT (for `JobUserError.code`). */
  get code(): string {
    return this.reason.replace(/(?<=[a-z])(?=[A-Z])/g, "_").toUpperCase()
  }
}
