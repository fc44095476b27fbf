/**
 * Content-addressed store for job inputs and results: an object's id is the lowercase hex sha256 of
 * its bytes. Backends implement `ResultStoreApi` (resultStore/ResultStoreApi.ts); the interface is
 * small on purpose so an S3-compatible backend can be added beside the filesystem one.
 */
import { Context, Effect, Layer } from "effect"
import { ResultStoreConfig } from "./resultStore/config.js"
import { type FileSystemStoreOptions, makeFileSystemStore } from "./resultStore/fileSystemStore.js"
import { makeMemoryStore } from "./resultStore/memoryStore.js"
import type { ResultStoreApi } from "./resultStore/ResultStoreApi.js"

export { InvalidResultId, ResultCorrupt, ResultNotFound, ResultStoreError, ResultTooLarge } from "./resultStore/errors.js"
export { isResultId, resultIdOf, Sha256Hex, sha256HexPattern, validateResultId } from "./resultStore/ResultId.js"
export type { PutOptions, ResultStoreApi, StoredResult } from "./resultStore/ResultStoreApi.js"

export class ResultStore extends Context.Service<ResultStore, ResultStoreApi>()("jobs/ResultStore") {
  /** Objects under `root/ab/cd/<id>`; fails to build when `root` cannot be created. */
  static readonly layerFileSystem = (options: FileSystemStoreOptions) =>
    Layer.effect(ResultStore, makeFileSystemStore(options).pipe(Effect.map((api) => ResultStore.of(api))))

  /** A fresh in-memory store per build of the layer. */
  static readonly layerMemory = (options: { readonly maxBytes: number }) =>
    Layer.sync(ResultStore, () => ResultStore.of(makeMemoryStore(options).api))

  /** The filesystem store configured by `RESULT_STORE_DIR` and `RESULT_STORE_MAX_BYTES`. */
  static readonly layerConfig = Layer.unwrap(
    Effect.gen(function*() {
      const config = yield* ResultStoreConfig
      return ResultStore.layerFileSystem(config)
    })
  )
}
