import { Schema } from "effect"

/** Longest text a QR code holds (version 40, byte mode, error correction L). */
export const maxQrTextBytes = 2953

export const QrPayload = Schema.Struct({
  text: Schema.String.check(
    Schema.makeFilter((text: string) => text.trim().length > 0 || "text must not be empty"),
    Schema.makeFilter((text: string) =>
      Buffer.byteLength(text) <= maxQrTextBytes || `text is ${Buffer.byteLength(text)} bytes; a QR code holds at most ${maxQrTextBytes}`)
  ),
  /** Width of the image in pixels. */
  size: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 64, maximum: 4096 }))),
  format: Schema.optionalKey(Schema.Literals(["png", "svg"]))
}).annotate({ identifier: "QrPayload" })
export type QrPayload = typeof QrPayload.Type
