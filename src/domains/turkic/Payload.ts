import { Effect, Schema } from "effect"
import { oneOf } from "../shared/strictPayload.js"
import { TurkicError } from "./TurkicError.js"

/** Turkic languages the corpus job knows (ISO 639-1 codes; `tt` Tatar, `ba` Bashkir, `tk` Turkmen). */
export const turkicLanguages = ["kk", "tr", "az", "ky", "uz", "tt", "ba", "tk"] as const
export type TurkicLanguage = (typeof turkicLanguages)[number]

/** Largest corpus accepted, in UTF-8 bytes, and the most lines and top types. */
export const MAX_CORPUS_BYTES = 4 * 1024 * 1024
export const MAX_TOP = 1000
export const DEFAULT_TOP = 20

export const TurkicLanguage = oneOf(turkicLanguages, "language")

export const Transliteration = oneOf(["cyr2lat", "lat2cyr"], "transliteration")
export type Transliteration = typeof Transliteration.Type

export const TurkicPayload = Schema.Struct({
  text: Schema.optionalKey(Schema.String),
  lines: Schema.optionalKey(Schema.Array(Schema.String)),
  lang: TurkicLanguage,
  transliterate: Schema.optionalKey(Transliteration),
  lowercase: Schema.optionalKey(Schema.Boolean),
  top: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_TOP })))
}).check(
  Schema.makeFilter((p) => (p.text === undefined) !== (p.lines === undefined) || 'give exactly one of "text" or "lines"')
)
export type TurkicPayload = typeof TurkicPayload.Type

const decode = Schema.decodeUnknownEffect(TurkicPayload, { onExcessProperty: "error" })

/** Decodes a payload strictly (unknown keys are errors); exactly one of `text` and `lines` must be given. */
export const decodeTurkicPayload = (input: unknown): Effect.Effect<TurkicPayload, TurkicError> =>
  decode(input).pipe(
    Effect.mapError((error) =>
      new TurkicError({ reason: "InvalidPayload", message: `invalid turkic payload: ${error.message.replace(/\s*\n\s*/g, " ")}` })
    )
  )
