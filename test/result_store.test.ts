/**
 * Conformance suite for ResultStore backends: the filesystem store and its in-memory twin pass
 * literally the same tests.
 */
import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Stream } from "effect"
import { ResultStore } from "../src/runtime/ResultStore.js"
import {
  chunksOf,
  concatBytes,
  fileSystemBackend,
  type MakeBackend,
  memoryBackend,
  pseudoRandomBytes
} from "./resultStore/backends.js"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")
const text = (s: string) => new TextEncoder().encode(s)
const MiB = 1024 * 1024

/** Runs `body` against a fresh backend; `entries` shows everything the backend holds. */
const withStore = <A, E>(
  make: MakeBackend,
  maxBytes: number,
  body: (store: ResultStore["Service"], entries: Effect.Effect<ReadonlyArray<string>>) => Effect.Effect<A, E>
) =>
  Effect.scoped(
    Effect.gen(function*() {
      const backend = yield* make(maxBytes)
      const run = Effect.gen(function*() {
        const store = yield* ResultStore
        return yield* body(store, backend.entries)
      })
      return yield* run.pipe(Effect.provide(backend.layer))
    })
  )

export const resultStoreSuite = (name: string, make: MakeBackend) =>
  describe(`ResultStore conformance: ${name}`, () => {
    it.effect("put then get, stat and has round-trip the bytes", () =>
      withStore(make, MiB, (store) =>
        Effect.gen(function*() {
          const bytes = text("hello, result store")
          const stored = yield* store.put(bytes)
          assert.deepStrictEqual(yield* store.get(stored.id), bytes)
          assert.deepStrictEqual(yield* store.stat(stored.id), { id: stored.id, bytes: bytes.length })
          assert.isTrue(yield* store.has(stored.id))
          assert.strictEqual(stored.bytes, bytes.length)
        })))

    it.effect("the id is the lowercase hex sha256 of the bytes", () =>
      withStore(make, MiB, (store) =>
        Effect.gen(function*() {
          // FIPS 180-2 test vector for "abc".
          const abc = yield* store.put(text("abc"))
          assert.strictEqual(abc.id, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
          const empty = yield* store.put(new Uint8Array(0))
          assert.strictEqual(empty.id, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
          assert.strictEqual(empty.bytes, 0)
          const streamed = yield* Stream.runCollect(store.getStream(empty.id))
          assert.strictEqual(streamed.length, 0)
        })))

    it.effect("putting the same bytes twice gives the same id and keeps one object", () =>
      withStore(make, MiB, (store, entries) =>
        Effect.gen(function*() {
          const first = yield* store.put(text("same bytes"))
          const second = yield* store.putStream(Stream.fromIterable([text("same "), text("bytes")]))
          assert.deepStrictEqual(second, first)
          assert.strictEqual((yield* entries).length, 1)
          const other = yield* store.put(text("other bytes"))
          assert.notStrictEqual(other.id, first.id)
          assert.strictEqual((yield* entries).length, 2)
        })))

    it.effect("concurrent puts of the same bytes agree and keep one object", () =>
      withStore(make, 8 * MiB, (store, entries) =>
        Effect.gen(function*() {
          const bytes = pseudoRandomBytes(300_000, 11)
          const puts = Array.from({ length: 4 }, () => store.putStream(Stream.fromIterable(chunksOf(bytes, 4096))))
          const results = yield* Effect.all(puts, { concurrency: "unbounded" })
          for (const result of results) assert.deepStrictEqual(result, { id: sha256(bytes), bytes: bytes.length })
          assert.strictEqual((yield* entries).length, 1)
          assert.deepStrictEqual(yield* store.get(sha256(bytes)), bytes)
        })))

    it.effect("streams a multi-megabyte object in small chunks in and out", () =>
      withStore(make, 8 * MiB, (store) =>
        Effect.gen(function*() {
          const bytes = pseudoRandomBytes(5 * MiB + 123, 42)
          const stored = yield* store.putStream(Stream.fromIterable(chunksOf(bytes, 1000)))
          assert.deepStrictEqual(stored, { id: sha256(bytes), bytes: bytes.length })
          const chunks = yield* Stream.runCollect(store.getStream(stored.id))
          assert.isAbove(chunks.length, 1, "getStream should emit more than one chunk")
          assert.isTrue(chunks.every((chunk) => chunk.length <= 64 * 1024))
          assert.deepStrictEqual(concatBytes(chunks), bytes)
          assert.deepStrictEqual(yield* store.get(stored.id), bytes)
        })))

    it.effect("chunk sizes from 1 byte to several hundred KiB give the same object", () =>
      withStore(make, 8 * MiB, (store) =>
        Effect.gen(function*() {
          const bytes = pseudoRandomBytes(2 * MiB, 9)
          const sizes = [1, 65535, 65536, 65537, 7, 300_000, 64 * 1024 * 3, 13]
          const chunks: Array<Uint8Array> = []
          for (let offset = 0, i = 0; offset < bytes.length; i++) {
            const size = sizes[i % sizes.length] ?? 1
            chunks.push(bytes.subarray(offset, offset + size))
            offset += size
          }
          const stored = yield* store.putStream(Stream.fromIterable(chunks))
          assert.deepStrictEqual(stored, { id: sha256(bytes), bytes: bytes.length })
          assert.deepStrictEqual(yield* store.get(stored.id), bytes)
        })))

    it.effect("a stream over the limit fails with ResultTooLarge as soon as the limit is passed", () =>
      withStore(make, MiB, (store, entries) =>
        Effect.gen(function*() {
          const chunk = pseudoRandomBytes(4096, 7)
          let pulled = 0
          function* source() {
            for (let i = 0; i < 1024; i++) {
              pulled++
              yield chunk
            }
          }
          const error = yield* Effect.flip(store.putStream(Stream.fromIterable(source(), { chunkSize: 1 })))
          assert.strictEqual(error._tag, "ResultTooLarge")
          if (error._tag !== "ResultTooLarge") return
          assert.strictEqual(error.limit, MiB)
          assert.strictEqual(error.actual, MiB + 4096)
          assert.include(error.message, `limit is ${MiB} bytes`)
          assert.strictEqual(pulled, MiB / 4096 + 1, "the source must not be read past the limit")
          assert.deepStrictEqual(yield* entries, [])
        })))

    it.effect("put over the limit reports the exact size; a per-call limit can only lower it", () =>
      withStore(make, 100, (store, entries) =>
        Effect.gen(function*() {
          const tooBig = yield* Effect.flip(store.put(new Uint8Array(101)))
          assert.deepInclude(tooBig, { _tag: "ResultTooLarge", limit: 100, actual: 101 })
          const perCall = yield* Effect.flip(store.put(new Uint8Array(11), { maxBytes: 10 }))
          assert.deepInclude(perCall, { _tag: "ResultTooLarge", limit: 10, actual: 11 })
          const notRaised = yield* Effect.flip(store.put(new Uint8Array(101), { maxBytes: 1000 }))
          assert.deepInclude(notRaised, { _tag: "ResultTooLarge", limit: 100 })
          assert.deepStrictEqual(yield* entries, [])
          const exact = yield* store.put(new Uint8Array(100))
          assert.strictEqual(exact.bytes, 100)
        })))

    it.effect("interrupting a streaming put leaves nothing behind", () =>
      withStore(make, 8 * MiB, (store, entries) =>
        Effect.gen(function*() {
          const halfway = yield* Deferred.make<void>()
          const chunks = chunksOf(pseudoRandomBytes(256 * 1024, 3), 1024)
          const source = Stream.fromIterable(chunks).pipe(
            Stream.concat(Stream.fromEffectDrain(Deferred.succeed(halfway, undefined))),
            Stream.concat(Stream.never)
          )
          const fiber = yield* Effect.forkChild(store.putStream(source), { startImmediately: true })
          yield* Deferred.await(halfway)
          assert.strictEqual((yield* entries).length, 1, "a write in progress should be visible as one entry")
          yield* Fiber.interrupt(fiber)
          const exit = yield* Fiber.await(fiber)
          assert.isTrue(Exit.hasInterrupts(exit))
          assert.deepStrictEqual(yield* entries, [])
          assert.isFalse(yield* store.has(sha256(concatBytes(chunks))))
        })))

    it.effect("a failing source stream passes its error through and leaves nothing behind", () =>
      withStore(make, MiB, (store, entries) =>
        Effect.gen(function*() {
          const source = Stream.fromIterable([text("partial ")]).pipe(Stream.concat(Stream.fail("source broke" as const)))
          const error = yield* Effect.flip(store.putStream(source))
          assert.strictEqual(error, "source broke")
          assert.deepStrictEqual(yield* entries, [])
        })))

    it.effect("malformed ids fail with InvalidResultId on every operation", () =>
      withStore(make, MiB, (store) =>
        Effect.gen(function*() {
          const upper = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
          for (const id of ["nope", "", upper, "a".repeat(63), "../".repeat(22)]) {
            const errors = [
              yield* Effect.flip(store.get(id)),
              yield* Effect.flip(store.stat(id)),
              yield* Effect.flip(store.has(id)),
              yield* Effect.flip(store.delete(id)),
              yield* Effect.flip(Stream.runCollect(store.getStream(id)))
            ]
            for (const error of errors) {
              assert.deepInclude(error, { _tag: "InvalidResultId", id })
              assert.include(error.message, "expected 64 lowercase hex characters")
            }
          }
        })))

    it.effect("a missing object fails with ResultNotFound; has is false", () =>
      withStore(make, MiB, (store) =>
        Effect.gen(function*() {
          const id = sha256(text("never stored"))
          for (
            const error of [
              yield* Effect.flip(store.get(id)),
              yield* Effect.flip(store.stat(id)),
              yield* Effect.flip(Stream.runCollect(store.getStream(id)))
            ]
          ) {
            assert.deepInclude(error, { _tag: "ResultNotFound", id })
            assert.strictEqual(error.message, `Result ${id} not found`)
          }
          assert.isFalse(yield* store.has(id))
        })))

    it.effect("delete removes one object and is idempotent", () =>
      withStore(make, MiB, (store, entries) =>
        Effect.gen(function*() {
          const doomed = yield* store.put(text("doomed"))
          const kept = yield* store.put(text("kept"))
          yield* store.delete(doomed.id)
          assert.isFalse(yield* store.has(doomed.id))
          assert.deepInclude(yield* Effect.flip(store.get(doomed.id)), { _tag: "ResultNotFound" })
          yield* store.delete(doomed.id)
          assert.deepStrictEqual(yield* store.get(kept.id), text("kept"))
          assert.strictEqual((yield* entries).length, 1)
        })))
  })

resultStoreSuite("filesystem", fileSystemBackend)
resultStoreSuite("memory", memoryBackend)

describe("ResultStore.layerMemory", () => {
  it.effect("each build of the layer starts empty", () =>
    Effect.gen(function*() {
      const layer = ResultStore.layerMemory({ maxBytes: MiB })
      const putX = Effect.gen(function*() {
        const store = yield* ResultStore
        return yield* store.put(text("x"))
      })
      const stored = yield* putX.pipe(Effect.provide(Layer.fresh(layer)))
      const hasX = Effect.gen(function*() {
        const store = yield* ResultStore
        return yield* store.has(stored.id)
      })
      const seen = yield* hasX.pipe(Effect.provide(Layer.fresh(layer)))
      assert.isFalse(seen)
    }))
})
