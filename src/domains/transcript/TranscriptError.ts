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
}) {}
