import { Schema } from "effect"

export const TranscriptErrorReason = Schema.Literals([
  "InvalidPayload",
  "UnknownFormat",
  "MalformedTiming",
  "MalformedCue",
  "EmptyCaptions",
  "OversizeInput",
  "InvalidEncoding"
])

/** A caption file the transcript job cannot read; `line` is 1-based when the problem has a place. */
export class TranscriptError extends Schema.TaggedError<TranscriptError>()("TranscriptError", {
  reason: TranscriptErrorReason,
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
