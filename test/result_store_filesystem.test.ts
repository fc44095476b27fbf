/** Behaviour specific to the filesystem result store: on-disk layout, crash leftovers, config, I/O errors. */
import { mkdir, stat, utimes, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, type Layer } from "effect"
import { ResultStore } from "../src/runtime/ResultStore.js"
import { defaultResultStoreDir, defaultResultStoreMaxBytes, ResultStoreConfig } from "../src/runtime/resultStore/config.js"
import { listFiles, tempRoot } from "./resultStore/backends.js"

const text = (s: string) => new TextEncoder().encode(s)

const useStore = <A, E, LE>(layer: Layer.Layer<ResultStore, LE>, body: (store: ResultStore["Service"]) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const store = yield* ResultStore
    return yield* body(store)
  }).pipe(Effect.provide(layer))

const withEnv = (env: Record<string, string>) => Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)))

describe("ResultStore.layerFileSystem", () => {
  it.effect("stores objects sharded as root/ab/cd/<id> and leaves no temp files", () =>
    Effect.scoped(Effect.gen(function*() {
      const root = yield* tempRoot
      const stored = yield* useStore(ResultStore.layerFileSystem({ root, maxBytes: 1024 }), (store) =>
        store.put(text("abc")))
      const id = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
      assert.strictEqual(stored.id, id)
      assert.deepStrictEqual(yield* listFiles(root), [join("ba", "78", id)])
    })))

  it.effect("removes temp files older than a day when the layer is built, and keeps recent ones", () =>
    Effect.scoped(Effect.gen(function*() {
      const root = yield* tempRoot
      const tempDir = join(root, ".tmp")
      yield* Effect.promise(async () => {
        await mkdir(tempDir, { recursive: true })
        await writeFile(join(tempDir, "old.part"), "left by a crash")
        await writeFile(join(tempDir, "recent.part"), "another process is writing")
        const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000)
        await utimes(join(tempDir, "old.part"), twoDaysAgo, twoDaysAgo)
      })
      yield* useStore(ResultStore.layerFileSystem({ root, maxBytes: 1024 }), () => Effect.void)
      assert.deepStrictEqual(yield* listFiles(root), [join(".tmp", "recent.part")])
    })))

  it.effect("fails to build with ResultStoreError when the root cannot be created", () =>
    Effect.scoped(Effect.gen(function*() {
      const root = yield* tempRoot
      const blocker = join(root, "a-file")
      yield* Effect.promise(() => writeFile(blocker, "not a directory"))
      const error = yield* Effect.flip(useStore(ResultStore.layerFileSystem({ root: blocker, maxBytes: 1 }), () =>
        Effect.void))
      assert.deepInclude(error, { _tag: "ResultStoreError", op: "init", path: join(blocker, ".tmp") })
      assert.include(error.message, `Result store init failed at ${join(blocker, ".tmp")}`)
    })))

  it.effect("a directory where an object should be is refused as not a file and moved to quarantine/", () =>
    Effect.scoped(Effect.gen(function*() {
      const root = yield* tempRoot
      const id = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
      const objectPath = join(root, "ba", "78", id)
      yield* Effect.promise(() => mkdir(objectPath, { recursive: true }))
      const error = yield* Effect.flip(useStore(ResultStore.layerFileSystem({ root, maxBytes: 1024 }), (store) =>
        store.get(id)))
      assert.deepInclude(error, { _tag: "ResultCorrupt", id, reason: "not-a-file" })
      assert.include(error.message, `Result ${id} is refused: it is not a regular file`)
      assert.include(error.message, join(root, "quarantine"))
    })))
})

describe("ResultStore.layerConfig", () => {
  it.effect("reads RESULT_STORE_DIR and RESULT_STORE_MAX_BYTES", () =>
    Effect.scoped(Effect.gen(function*() {
      const root = join(yield* tempRoot, "configured")
      const error = yield* Effect.flip(useStore(ResultStore.layerConfig, (store) => store.put(new Uint8Array(11))).pipe(
        withEnv({ RESULT_STORE_DIR: root, RESULT_STORE_MAX_BYTES: "10" })
      ))
      assert.deepInclude(error, { _tag: "ResultTooLarge", limit: 10, actual: 11 })
      assert.isTrue((yield* Effect.promise(() => stat(join(root, ".tmp")))).isDirectory())
    })))

  it.effect("defaults to ./.artifacts/results and 256 MiB", () =>
    Effect.gen(function*() {
      const config = yield* ResultStoreConfig.pipe(withEnv({}))
      assert.deepStrictEqual(config, { root: defaultResultStoreDir, maxBytes: defaultResultStoreMaxBytes })
      assert.strictEqual(defaultResultStoreMaxBytes, 256 * 1024 * 1024)
    }))

  it.effect("rejects a max size that is not a positive whole number of bytes", () =>
    Effect.gen(function*() {
      const cases = [
        ["abc", "Expected a whole number of bytes"],
        ["1.5", "Expected a whole number of bytes"],
        ["0", "Expected a byte limit greater than 0"],
        ["-4096", "Expected a byte limit greater than 0"]
      ] as const
      for (const [value, expected] of cases) {
        const error = yield* Effect.flip(useStore(ResultStore.layerConfig, () => Effect.void).pipe(
          withEnv({ RESULT_STORE_MAX_BYTES: value })
        ))
        assert.strictEqual(error._tag, "ConfigError")
        assert.include(error.message, expected)
        assert.include(error.message, "RESULT_STORE_MAX_BYTES")
      }
    }))
})
