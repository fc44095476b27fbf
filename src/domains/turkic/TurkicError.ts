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
}) {}
