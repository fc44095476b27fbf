/** Backends the result-store conformance suite runs against, each with a view of what it holds. */
import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { Effect, Layer, type Scope } from "effect"
import { ResultStore } from "../../src/runtime/ResultStore.js"
import { makeMemoryStore } from "../../src/runtime/resultStore/memoryStore.js"

export interface Backend {
  readonly layer: Layer.Layer<ResultStore, unknown>
  /** Everything the backend holds: objects, and temp files or staged writes. */
  readonly entries: Effect.Effect<ReadonlyArray<string>>
}

export type MakeBackend = (maxBytes: number) => Effect.Effect<Backend, never, Scope.Scope>

/** A fresh directory under the OS temp dir, removed with the scope. */
export const tempRoot: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "result-store-"))),
  (root) => Effect.promise(() => rm(root, { recursive: true, force: true }))
)

/** Relative paths of all files below `root` (directories left out). */
export const listFiles = (root: string): Effect.Effect<ReadonlyArray<string>> =>
  Effect.promise(async () => {
    const found = await readdir(root, { recursive: true, withFileTypes: true })
    return found
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name)))
      .sort()
  })

export const fileSystemBackend: MakeBackend = (maxBytes) =>
  Effect.map(tempRoot, (root) => ({
    layer: ResultStore.layerFileSystem({ root, maxBytes }),
    entries: listFiles(root)
  }))

export const memoryBackend: MakeBackend = (maxBytes) =>
  Effect.sync(() => {
    const store = makeMemoryStore({ maxBytes })
    return {
      layer: Layer.succeed(ResultStore, ResultStore.of(store.api)),
      entries: Effect.sync(store.entries)
    }
  })

/** Deterministic pseudo-random bytes (xorshift32), so large inputs need no fixture files. */
export const pseudoRandomBytes = (length: number, seed: number): Uint8Array => {
  const bytes = new Uint8Array(length)
  let state = seed | 0 || 1
  for (let i = 0; i < length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    bytes[i] = state & 0xff
  }
  return bytes
}

/** Splits bytes into chunks of `size` (the last may be shorter). */
export const chunksOf = (bytes: Uint8Array, size: number): Array<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size))
  return chunks
}

export const concatBytes = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}
