import { Effect, Schema } from "effect"
import { CovenantError } from "./CovenantError.js"

export const MAX_CSV_BYTES = 8 * 1024 * 1024
export const DEFAULT_HEADROOM = 0.1

export const CovenantPayload = Schema.Struct({
  /** CSV text: one row per deal and quarter (see `requiredColumns` in rows.ts). */
  csv: Schema.String,
  /** Fraction of a threshold within which a passing test is flagged near-breach (0.1 = within 10%). */
  headroom: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })))
})
export type CovenantPayload = typeof CovenantPayload.Type

const decode = Schema.decodeUnknownEffect(CovenantPayload, { onExcessProperty: "error" })

export const decodeCovenantPayload = (input: unknown): Effect.Effect<CovenantPayload, CovenantError> =>
  decode(input).pipe(
    Effect.mapError((error) =>
      new CovenantError({ reason: "InvalidPayload", message: `invalid covenant payload: ${error.message.replace(/\s*\n\s*/g, " ")}` })
    )
  )

/** Decodes an uploaded CSV as strict UTF-8, checking the size limit first. */
export const decodeCovenantCsvBytes = (bytes: Uint8Array): Effect.Effect<string, CovenantError> =>
  Effect.suspend(() => {
    if (bytes.length > MAX_CSV_BYTES) {
      return Effect.fail(new CovenantError({ reason: "OversizeInput", message: `CSV is ${bytes.length} bytes, the limit is ${MAX_CSV_BYTES} bytes` }))
    }
    return Effect.try({
      try: () => new TextDecoder("utf-8", { fatal: true }).decode(bytes),
      catch: () => new CovenantError({ reason: "InvalidEncoding", message: "unknown encoding: the CSV is not valid UTF-8" })
    })
  })
