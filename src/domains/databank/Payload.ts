/**
 * Databank job payloads: `upload` stores bytes (inline base64, or an object already in the result
 * store) after checking them against a declared sha256 and size; `download` streams an object out.
 */
import { Effect, Schema } from "effect"
import { Sha256Hex, sha256HexPattern } from "../../runtime/ResultStore.js"
import { DatabankPayloadError } from "./errors.js"

const Sha256 = Sha256Hex

const ResultId = Schema.String.check(
  Schema.isPattern(sha256HexPattern, { message: "Expected a result id: 64 lowercase hex characters" })
)

const ByteSize = Schema.Number.check(
  Schema.isInt({ message: "Expected a whole number of bytes" }),
  Schema.isGreaterThanOrEqualTo(0, { message: "Expected a size of 0 or more bytes" })
)

/** Standard base64 with padding, decoded to bytes. */
const Base64Bytes = Schema.Uint8ArrayFromBase64

export const UploadPayload = Schema.Struct({
  op: Schema.Literal("upload"),
  /** The bytes, inline. Exactly one of `data_base64` and `result_id` is given. */
  data_base64: Schema.optionalKey(Base64Bytes),
  /** An object already in the result store (e.g. a large input put there beforehand). */
  result_id: Schema.optionalKey(ResultId),
  sha256: Sha256,
  size: ByteSize
})
export type UploadPayload = typeof UploadPayload.Type

export const DownloadPayload = Schema.Struct({
  op: Schema.Literal("download"),
  result_id: ResultId,
  /** When given, the object must have exactly this size. */
  size: Schema.optionalKey(ByteSize)
})
export type DownloadPayload = typeof DownloadPayload.Type

export const DatabankPayload = Schema.Union([UploadPayload, DownloadPayload]).annotate({
  message: `Expected an object with "op": "upload" or "download"`
})
export type DatabankPayload = typeof DatabankPayload.Type

const decode = Schema.decodeUnknownEffect(DatabankPayload, { onExcessProperty: "error" })

const payloadError = (detail: string) =>
  new DatabankPayloadError({ message: `invalid databank payload: ${detail}` })

/** Decodes a job payload; an upload must name exactly one source. */
export const decodeDatabankPayload = (input: unknown): Effect.Effect<DatabankPayload, DatabankPayloadError> =>
  decode(input).pipe(
    Effect.mapError((error) => payloadError(error.message.replace(/\s*\n\s*/g, " "))),
    Effect.flatMap((payload) =>
      payload.op === "upload" && (payload.data_base64 === undefined) === (payload.result_id === undefined)
        ? Effect.fail(payloadError(`an upload needs exactly one of "data_base64" or "result_id"`))
        : Effect.succeed(payload)
    )
  )
