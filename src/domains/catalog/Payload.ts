import { Effect, Schema } from "effect"
import { CatalogError } from "./CatalogError.js"

export const MAX_CATALOG_BYTES = 16 * 1024 * 1024

export const CatalogPayload = Schema.Struct({
  /** Product CSV text, one product per row. */
  csv: Schema.String,
  marketplace: Schema.String,
  category: Schema.String,
  /** Marketplace region such as "br"; the marketplace's first region when absent. */
  region: Schema.optionalKey(Schema.String)
})
export type CatalogPayload = typeof CatalogPayload.Type

const decode = Schema.decodeUnknownEffect(CatalogPayload, { onExcessProperty: "error" })

export const decodeCatalogPayload = (input: unknown): Effect.Effect<CatalogPayload, CatalogError> =>
  decode(input).pipe(
    Effect.mapError((error) =>
      new CatalogError({ reason: "InvalidPayload", message: `invalid catalog payload: ${error.message.replace(/\s*\n\s*/g, " ")}` })
    )
  )

/** Decodes an uploaded product file as strict UTF-8, checking the size limit first. */
export const decodeCatalogBytes = (bytes: Uint8Array): Effect.Effect<string, CatalogError> =>
  Effect.suspend(() => {
    if (bytes.length > MAX_CATALOG_BYTES) {
      return Effect.fail(new CatalogError({ reason: "OversizeInput", message: `CSV is ${bytes.length} bytes, the limit is ${MAX_CATALOG_BYTES} bytes` }))
    }
    return Effect.try({
      try: () => new TextDecoder("utf-8", { fatal: true }).decode(bytes),
      catch: () => new CatalogError({ reason: "InvalidEncoding", message: "unknown encoding: the CSV is not valid UTF-8" })
    })
  })
