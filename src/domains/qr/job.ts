/** qr: renders a QR code (PNG or SVG) for a text and stores it in the result store. */
import { Effect } from "effect"
import QRCode from "qrcode"
import { defineJob } from "../../runtime/JobDefinition.js"
import { JobContext } from "../../runtime/JobContext.js"
import { JobSystemError, JobUserError } from "../../runtime/JobErrors.js"
import { ResultStore } from "../../runtime/ResultStore.js"
import { QrPayload } from "./Payload.js"

const render = (payload: QrPayload) =>
  Effect.tryPromise({
    try: async (): Promise<Uint8Array> => {
      const options = { width: payload.size ?? 256, margin: 2, errorCorrectionLevel: "M" as const }
      return payload.format === "svg"
        ? new TextEncoder().encode(await QRCode.toString(payload.text, { ...options, type: "svg" }))
        : await QRCode.toBuffer(payload.text, { ...options, type: "png" })
    },
    // The library's only failure on valid input is data too long for the chosen correction level.
    catch: (cause) => new JobUserError({ message: `cannot encode text as a QR code: ${cause instanceof Error ? cause.message : String(cause)}` })
  })

export const qrJob = defineJob({
  domain: "qr",
  payload: QrPayload,
  run: (payload) =>
    Effect.gen(function*() {
      const ctx = yield* JobContext
      const store = yield* ResultStore
      yield* ctx.publishProgress(10, `encoding ${Buffer.byteLength(payload.text)} bytes of text`)
      const bytes = yield* render(payload)
      yield* ctx.publishProgress(60, `rendered ${payload.format ?? "png"} (${bytes.byteLength} bytes)`)
      const stored = yield* store.put(bytes).pipe(
        Effect.mapError((error) => new JobSystemError({ message: `storing the QR code failed: ${error.message}` }))
      )
      yield* ctx.publishProgress(90, "stored result")
      return { resultId: stored.id, resultBytes: stored.bytes }
    })
})
