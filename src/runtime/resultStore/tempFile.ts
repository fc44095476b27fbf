/**
 * A temp file that a streamed object is written into before it is renamed into place.
 * Small stream chunks are gathered into a fixed buffer so the disk sees large writes, while memory
 * use stays bounded by that buffer whatever the object size.
 */
import { randomUUID } from "node:crypto"
import { type FileHandle, open, rm } from "node:fs/promises"
import { join } from "node:path"
import { Effect } from "effect"
import { ResultStoreError } from "./errors.js"

const writeBufferBytes = 64 * 1024

export interface TempFile {
  readonly path: string
  /** Appends bytes (buffered). */
  readonly write: (chunk: Uint8Array) => Effect.Effect<void, ResultStoreError>
  /** Flushes, fsyncs and closes the file, so it can be renamed into place. */
  readonly finish: Effect.Effect<void, ResultStoreError>
  /** Closes the file if still open and removes it; never fails. */
  readonly discard: Effect.Effect<void>
}

const writeFully = async (handle: FileHandle, bytes: Uint8Array): Promise<void> => {
  let offset = 0
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset)
    offset += bytesWritten
  }
}

/** Creates an empty temp file in `dir` (which must be on the same filesystem as the final path). */
export const openTempFile = (dir: string): Effect.Effect<TempFile, ResultStoreError> =>
  Effect.gen(function*() {
    const path = join(dir, `${randomUUID()}.part`)
    const handle = yield* Effect.tryPromise({
      try: () => open(path, "wx"),
      catch: (cause) => ResultStoreError.of("putStream.open", path, cause)
    })
    const buffer = new Uint8Array(writeBufferBytes)
    let filled = 0
    let closed = false

    const fail = (op: string) => (cause: unknown) => ResultStoreError.of(op, path, cause)

    const flush = (bytes: Uint8Array) =>
      Effect.tryPromise({ try: () => writeFully(handle, bytes), catch: fail("putStream.write") })

    // Copies into the buffer synchronously; only a full buffer (or a chunk at least as large,
    // written directly) costs an asynchronous write.
    const write = (chunk: Uint8Array): Effect.Effect<void, ResultStoreError> =>
      Effect.suspend(() => {
        if (filled === 0 && chunk.length >= buffer.length) return flush(chunk)
        const n = Math.min(buffer.length - filled, chunk.length)
        buffer.set(chunk.subarray(0, n), filled)
        filled += n
        if (filled < buffer.length) return Effect.void
        const rest = chunk.subarray(n)
        return flush(buffer).pipe(
          Effect.andThen(() => {
            filled = 0
            return rest.length === 0 ? Effect.void : write(rest)
          })
        )
      })

    const finish = async (): Promise<void> => {
      await writeFully(handle, buffer.subarray(0, filled))
      filled = 0
      await handle.sync()
      closed = true
      await handle.close()
    }

    const discard = async (): Promise<void> => {
      if (!closed) {
        closed = true
        await handle.close().catch(() => undefined)
      }
      await rm(path, { force: true })
    }

    return {
      path,
      write,
      finish: Effect.tryPromise({ try: finish, catch: fail("putStream.sync") }),
      discard: Effect.promise(() => discard().catch(() => undefined))
    }
  })
