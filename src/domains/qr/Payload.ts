import { Schema } from "effect"
import { oneOf, rejectUnknownFields } from "../shared/strictPayload.js"

/** Longest text a QR code holds (version 40, byte mode, error correction L). */
export const maxQrTextBytes = 2953

export const qrImageFormats = ["png", "svg"] as const

const fields = {
  text: Schema.String.check(
    Schema.makeFilter((text: string) => text.trim().length > 0 || "text must not be empty"),
    Schema.makeFilter((text: string) =>
      Buffer.byteLength(text) <= maxQrTextBytes || `text is ${Buffer.byteLength(text)} bytes; a QR code holds at most ${maxQrTextBytes}`)
  ),
  /** Width of the image in pixels. */
  size: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 64, maximum: 4096 }))),
  format: Schema.optionalKey(oneOf(qrImageFormats, "image format"))
}

/** The qr job's payload, closed to unknown fields so a misspelt option (`fromat`) is refused at enqueue. */
export const QrPayload = rejectUnknownFields(Schema.Struct(fields), Object.keys(fields)).annotate({ identifier: "QrPayload" })
export type QrPayload = typeof QrPayload.Type
