/**
 * In-memory twin of the filesystem store, for tests and demos: same ids, limits, errors and
 * all-or-nothing writes. `entries` lists what the store holds, including writes still in progress,
 * so tests can check that a failed write left nothing behind.
 */
import { createHash } from "node:crypto"
import { Effect, Stream } from "effect"
import { ResultNotFound, ResultTooLarge } from "./errors.js"
import { validateResultId } from "./ResultId.js"
import { effectiveLimit, type ResultStoreApi } from "./ResultStoreApi.js"

export interface MemoryStore {
  readonly api: ResultStoreApi
  /** Object ids, then one `staging:<n>` entry per write in progress. */
  readonly entries: () => ReadonlyArray<string>
}

const streamChunkBytes = 64 * 1024

export const makeMemoryStore = (options: { readonly maxBytes: number }): MemoryStore => {
  const objects = new Map<string, Uint8Array>()
  const staging = new Set<number>()
  let nextStagingId = 0

  const lookup = (id: string) =>
    validateResultId(id).pipe(
      Effect.flatMap(() => {
        const bytes = objects.get(id)
        return bytes === undefined ? Effect.fail(ResultNotFound.of(id)) : Effect.succeed(bytes)
      })
    )

  const putStream: ResultStoreApi["putStream"] = (stream, putOptions) => {
    const limit = effectiveLimit(options.maxBytes, putOptions)
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        const token = nextStagingId++
        staging.add(token)
        return token
      }),
      () =>
        Effect.gen(function*() {
          const hash = createHash("sha256")
          const chunks: Array<Uint8Array> = []
          let total = 0
          yield* Stream.runForEach(stream, (chunk) =>
            Effect.suspend(() => {
              total += chunk.length
              if (total > limit) return Effect.fail(ResultTooLarge.of(limit, total))
              hash.update(chunk)
              chunks.push(chunk.slice())
              return Effect.void
            }))
          const bytes = new Uint8Array(total)
          let offset = 0
          for (const chunk of chunks) {
            bytes.set(chunk, offset)
            offset += chunk.length
          }
          const id = hash.digest("hex")
          objects.set(id, bytes)
          return { id, bytes: total }
        }),
      (token) => Effect.sync(() => staging.delete(token))
    )
  }

  const api: ResultStoreApi = {
    maxBytes: options.maxBytes,
    put: (bytes, putOptions) => putStream(Stream.succeed(bytes), putOptions),
    putStream,
    get: (id) => lookup(id).pipe(Effect.map((bytes) => bytes.slice())),
    getStream: (id) =>
      Stream.unwrap(
        lookup(id).pipe(
          Effect.map((bytes) => {
            const chunks: Array<Uint8Array> = []
            for (let offset = 0; offset < bytes.length; offset += streamChunkBytes) {
              chunks.push(bytes.slice(offset, offset + streamChunkBytes))
            }
            return Stream.fromIterable(chunks)
          })
        )
      ),
    stat: (id) => lookup(id).pipe(Effect.map((bytes) => ({ id, bytes: bytes.length }))),
    has: (id) => validateResultId(id).pipe(Effect.map(() => objects.has(id))),
    delete: (id) => validateResultId(id).pipe(Effect.map(() => void objects.delete(id)))
  }

  return {
    api,
    entries: () => [...objects.keys(), ...[...staging].map((token) => `staging:${token}`)]
  }
}
