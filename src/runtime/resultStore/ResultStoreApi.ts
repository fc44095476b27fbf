/**
 * The backend seam of the result store: what a backend implements and job code calls.
 * Kept to whole-object put/get/stat/delete plus streaming, so an S3-compatible backend (PUT with a
 * streamed body, ranged GET, HEAD, DELETE) can implement it later without changing callers.
 */
import type { Effect, Stream } from "effect"
import type { InvalidResultId, ResultCorrupt, ResultNotFound, ResultStoreError, ResultTooLarge } from "./errors.js"

/** A stored object: `id` is its sha256 (64 lowercase hex), `bytes` its size. */
export interface StoredResult {
  readonly id: string
  readonly bytes: number
}

export interface PutOptions {
  /** A per-call limit; the store's own limit still applies when it is lower. */
  readonly maxBytes?: number
}

export interface ResultStoreApi {
  /** The store's size limit per object, in bytes. */
  readonly maxBytes: number
  /** Stores the bytes; storing the same bytes again returns the same id and keeps one copy. */
  readonly put: (bytes: Uint8Array, options?: PutOptions) => Effect.Effect<StoredResult, ResultTooLarge | ResultStoreError>
  /**
   * Stores a stream without holding it in memory. The object becomes visible only once the stream
   * has ended; on failure, interruption or `ResultTooLarge` nothing is left behind. The stream's own
   * error is passed through unchanged.
   */
  readonly putStream: <E, R>(
    stream: Stream.Stream<Uint8Array, E, R>,
    options?: PutOptions
  ) => Effect.Effect<StoredResult, E | ResultTooLarge | ResultStoreError, R>
  /**
   * Reads and reads-in-chunks hand out nothing but the object: an entry that is a link, no regular
   * file, or bytes that do not hash to the id fails with `ResultCorrupt` (and is quarantined)
   * before the first byte, so a stream's first chunk is already verified content.
   */
  readonly get: (id: string) => Effect.Effect<Uint8Array, InvalidResultId | ResultNotFound | ResultCorrupt | ResultStoreError>
  /** Reads the object in chunks; a missing object fails the stream with `ResultNotFound`. */
  readonly getStream: (
    id: string
  ) => Stream.Stream<Uint8Array, InvalidResultId | ResultNotFound | ResultCorrupt | ResultStoreError>
  readonly stat: (id: string) => Effect.Effect<StoredResult, InvalidResultId | ResultNotFound | ResultCorrupt | ResultStoreError>
  readonly has: (id: string) => Effect.Effect<boolean, InvalidResultId | ResultStoreError>
  /** Removes the object; removing a missing object succeeds (as an S3 DELETE does). */
  readonly delete: (id: string) => Effect.Effect<void, InvalidResultId | ResultStoreError>
}

/** The limit that applies to one write. */
export const effectiveLimit = (storeMax: number, options?: PutOptions): number =>
  options?.maxBytes === undefined ? storeMax : Math.min(storeMax, options.maxBytes)
