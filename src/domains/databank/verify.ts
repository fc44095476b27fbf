/**
 * Checks a byte stream against a declared sha256 and size while it flows, reporting progress.
 * A stream longer than declared fails as soon as it passes the size; a short stream or a wrong
 * digest fails when the stream ends, before a consumer such as `ResultStore.putStream` commits.
 */
import { createHash } from "node:crypto"
import { Effect, Stream } from "effect"
import { DatabankDigestMismatch, DatabankSizeMismatch } from "./errors.js"

export interface Expected {
  readonly sha256: string
  readonly bytes: number
}

/** Called with the bytes passed so far and the total, once at the start and after every chunk. */
export type OnProgress<E = never, R = never> = (doneBytes: number, totalBytes: number) => Effect.Effect<void, E, R>

export const verifyStream = <E, R, EP, RP>(
  stream: Stream.Stream<Uint8Array, E, R>,
  expected: Expected,
  onProgress: OnProgress<EP, RP>
): Stream.Stream<Uint8Array, E | EP | DatabankSizeMismatch | DatabankDigestMismatch, R | RP> =>
  // Fresh hash and counter for every run of the stream.
  Stream.suspend(() => {
    const hash = createHash("sha256")
    let done = 0
    const start: Stream.Stream<Uint8Array, EP, RP> = Stream.fromEffectDrain(onProgress(0, expected.bytes))
    const body = Stream.mapEffect(stream, (chunk): Effect.Effect<Uint8Array, EP | DatabankSizeMismatch, RP> => {
      done += chunk.length
      if (done > expected.bytes) return Effect.fail(DatabankSizeMismatch.of(expected.bytes, done, true))
      hash.update(chunk)
      return Effect.as(onProgress(done, expected.bytes), chunk)
    })
    const end = Stream.fromEffectDrain(
      Effect.suspend((): Effect.Effect<void, DatabankSizeMismatch | DatabankDigestMismatch> => {
        if (done !== expected.bytes) return Effect.fail(DatabankSizeMismatch.of(expected.bytes, done, false))
        const actual = hash.digest("hex")
        return actual === expected.sha256 ? Effect.void : Effect.fail(DatabankDigestMismatch.of(expected.sha256, actual))
      })
    )
    return Stream.concat(Stream.concat(start, body), end)
  })
