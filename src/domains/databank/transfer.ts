/**
 * Databank transfers on top of the result store. Uploads are verified while they stream into the
 * store, so an object that fails its checks is never committed; downloads re-check the stored
 * bytes against their id on the way out.
 */
import { Effect, Stream } from "effect"
import { ResultStore, type StoredResult } from "../../runtime/ResultStore.js"
import { type DatabankError, DatabankPayloadError, DatabankSizeMismatch } from "./errors.js"
import type { DownloadPayload, UploadPayload } from "./Payload.js"
import { type OnProgress, verifyStream } from "./verify.js"

/** Inline uploads are fed to the store in chunks of this size, so progress moves in steps. */
const inlineChunkBytes = 64 * 1024

const chunked = (bytes: Uint8Array): Stream.Stream<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  for (let offset = 0; offset < bytes.length; offset += inlineChunkBytes) {
    chunks.push(bytes.subarray(offset, offset + inlineChunkBytes))
  }
  return Stream.fromIterable(chunks)
}

/** Stores the upload's bytes once they match its declared sha256 and size; the id is that sha256. */
export const upload = <EP = never, RP = never>(
  payload: UploadPayload,
  onProgress: OnProgress<EP, RP>
): Effect.Effect<StoredResult, DatabankError | EP, ResultStore | RP> =>
  Effect.gen(function*() {
    const store = yield* ResultStore
    const source: Stream.Stream<Uint8Array, DatabankError> = payload.data_base64 !== undefined
      ? chunked(payload.data_base64)
      : payload.result_id !== undefined
      ? store.getStream(payload.result_id)
      : Stream.fail(new DatabankPayloadError({ message: "invalid databank payload: an upload names no source" }))
    return yield* store.putStream(verifyStream(source, { sha256: payload.sha256, bytes: payload.size }, onProgress))
  })

/**
 * Streams a stored object out, checking it against its id (its sha256) and, when given, the
 * declared size. A digest mismatch can only be known at the end, so it fails the stream after the
 * last chunk: consumers must treat the bytes as unconfirmed until the stream has ended.
 */
export const download = <EP = never, RP = never>(
  payload: DownloadPayload,
  onProgress: OnProgress<EP, RP>
): Stream.Stream<Uint8Array, DatabankError | EP, ResultStore | RP> =>
  Stream.unwrap(
    Effect.gen(function*() {
      const store = yield* ResultStore
      const { bytes } = yield* store.stat(payload.result_id)
      if (payload.size !== undefined && payload.size !== bytes) {
        return yield* DatabankSizeMismatch.of(payload.size, bytes, false)
      }
      return verifyStream(store.getStream(payload.result_id), { sha256: payload.result_id, bytes }, onProgress)
    })
  )
