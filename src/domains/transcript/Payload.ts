import { Effect, Schema } from "effect"
import { oneOf } from "../shared/strictPayload.js"
import { TranscriptError } from "./TranscriptError.js"

export const MAX_CAPTION_BYTES = 8 * 1024 * 1024

export const CaptionFormat = oneOf(["auto", "vtt", "srt"], "caption format")
export type CaptionFormat = typeof CaptionFormat.Type

export const TranscriptPayload = Schema.Struct({
  /** The caption file's text. */
  text: Schema.String,
  format: Schema.optionalKey(CaptionFormat),
  /** A silence at least this long (seconds) starts a new paragraph. */
  paragraphGapSeconds: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 3600 }))),
  /** A paragraph is closed before it grows past this many characters. */
  maxParagraphChars: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 20, maximum: 100_000 }))),
  /** Drop lines repeated from the previous cue (rolling, YouTube-style automatic captions). */
  dedupe: Schema.optionalKey(Schema.Boolean)
})
export type TranscriptPayload = typeof TranscriptPayload.Type

export const DEFAULT_PARAGRAPH_GAP_SECONDS = 2
export const DEFAULT_MAX_PARAGRAPH_CHARS = 600

const decode = Schema.decodeUnknownEffect(TranscriptPayload, { onExcessProperty: "error" })

export const decodeTranscriptPayload = (input: unknown): Effect.Effect<TranscriptPayload, TranscriptError> =>
  decode(input).pipe(
    Effect.mapError((error) =>
      new TranscriptError({ reason: "InvalidPayload", message: `invalid transcript payload: ${error.message.replace(/\s*\n\s*/g, " ")}` })
    )
  )
