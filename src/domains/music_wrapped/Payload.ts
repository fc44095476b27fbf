import { Effect, Schema } from "effect"
import { MusicWrappedError } from "./MusicWrappedError.js"

export const MAX_HISTORY_BYTES = 64 * 1024 * 1024
export const DEFAULT_TOP = 10
export const DEFAULT_TIMEZONE = "UTC"

/** A time zone the runtime's Intl database knows. */
export const isKnownTimeZone = (zone: string): boolean => {
  try {
    // the constructor rejects unknown zones with a RangeError
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone !== ""
  } catch {
    return false
  }
}

export const TimeZone = Schema.String.check(
  Schema.makeFilter((zone) => isKnownTimeZone(zone) || `unknown time zone "${zone}" (expected an IANA name such as Europe/Berlin)`)
)

export const MusicWrappedPayload = Schema.Struct({
  /** The text of a Spotify extended streaming history file (a JSON array of streams). */
  history: Schema.String,
  year: Schema.Int.check(Schema.isBetween({ minimum: 2006, maximum: 2100 })),
  /** IANA time zone for hours, days and months, e.g. "Europe/Berlin"; UTC when absent. */
  timezone: Schema.optionalKey(TimeZone),
  top: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 })))
})
export type MusicWrappedPayload = typeof MusicWrappedPayload.Type

const decode = Schema.decodeUnknownEffect(MusicWrappedPayload, { onExcessProperty: "error" })

export const decodeMusicWrappedPayload = (input: unknown): Effect.Effect<MusicWrappedPayload, MusicWrappedError> =>
  decode(input).pipe(
    Effect.mapError((error) =>
      new MusicWrappedError({ reason: "InvalidPayload", message: `invalid music_wrapped payload: ${error.message.replace(/\s*\n\s*/g, " ")}` })
    )
  )

/** Decodes an uploaded history file as strict UTF-8, checking the size limit first. */
export const decodeHistoryBytes = (bytes: Uint8Array): Effect.Effect<string, MusicWrappedError> =>
  Effect.suspend(() => {
    if (bytes.length > MAX_HISTORY_BYTES) {
      return Effect.fail(new MusicWrappedError({ reason: "OversizeInput", message: `history is ${bytes.length} bytes, the limit is ${MAX_HISTORY_BYTES} bytes` }))
    }
    return Effect.try({
      try: () => new TextDecoder("utf-8", { fatal: true }).decode(bytes),
      catch: () => new MusicWrappedError({ reason: "InvalidEncoding", message: "unknown encoding: the history file is not valid UTF-8" })
    })
  })
