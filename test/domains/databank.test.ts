import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema, Stream } from "effect"
import {
  type DatabankError,
  databankErrorKind,
  DatabankPayloadError,
  DatabankDigestMismatch,
  DatabankSizeMismatch
} from "../../src/domains/databank/errors.js"
import { decodeDatabankPayload, type DownloadPayload, type UploadPayload } from "../../src/domains/databank/Payload.js"
import { runDatabankJob } from "../../src/domains/databank/program.js"
import { download, upload } from "../../src/domains/databank/transfer.js"
import {
  InvalidResultId,
  ResultNotFound,
  ResultStore,
  ResultStoreError,
  ResultTooLarge
} from "../../src/runtime/ResultStore.js"
import { concatBytes, fileSystemBackend, type MakeBackend, memoryBackend, tempRoot } from "../resultStore/backends.js"

const fixturePath = (name: string) => new URL(`../fixtures/databank/${name}`, import.meta.url)
const fixtureBytes = (name: string) => new Uint8Array(readFileSync(fixturePath(name)))
const fixtureJson = (name: string): unknown => JSON.parse(readFileSync(fixturePath(name), "utf8"))

const Manifest = Schema.Record(Schema.String, Schema.Struct({ sha256: Schema.String, size: Schema.Number }))
const InvalidCases = Schema.Array(Schema.Struct({ case: Schema.String, payload: Schema.Unknown, error: Schema.String }))
const manifestEntries = Schema.decodeUnknownSync(Manifest)(fixtureJson("manifest.json"))
const manifest = (name: string) => {
  const entry = manifestEntries[name]
  assert.isDefined(entry, `manifest.json lists ${name}`)
  return { sha256: entry?.sha256 ?? "", size: entry?.size ?? -1 }
}

const hello = { bytes: fixtureBytes("hello.txt"), ...manifest("hello.txt") }
const sample = { bytes: fixtureBytes("sample.bin"), ...manifest("sample.bin") }
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

const inlineUpload = (bytes: Uint8Array, sha: string, size: number): UploadPayload => ({
  op: "upload",
  data_base64: bytes,
  sha256: sha,
  size
})

/** A progress callback that records every call. */
const recorder = () => {
  const calls: Array<readonly [number, number]> = []
  return { calls, onProgress: (done: number, total: number) => Effect.sync(() => void calls.push([done, total])) }
}

const withStore = <A, E>(
  make: MakeBackend,
  maxBytes: number,
  body: (store: ResultStore["Service"], entries: Effect.Effect<ReadonlyArray<string>>) => Effect.Effect<A, E, ResultStore>
) =>
  Effect.scoped(Effect.gen(function*() {
    const backend = yield* make(maxBytes)
    return yield* Effect.gen(function*() {
      return yield* body(yield* ResultStore, backend.entries)
    }).pipe(Effect.provide(backend.layer))
  }))

describe("databank: payload", () => {
  it.effect("decodes the inline upload fixture to the file's bytes", () =>
    Effect.gen(function*() {
      const payload = yield* decodeDatabankPayload(fixtureJson("upload_hello.json"))
      assert.deepStrictEqual(payload, inlineUpload(hello.bytes, hello.sha256, hello.size))
    }))

  it.effect("decodes a download with and without a size", () =>
    Effect.gen(function*() {
      const bare = { op: "download", result_id: sample.sha256 } as const
      assert.deepStrictEqual(yield* decodeDatabankPayload(bare), bare)
      const sized = { ...bare, size: sample.size }
      assert.deepStrictEqual(yield* decodeDatabankPayload(sized), sized)
    }))

  for (const entry of Schema.decodeUnknownSync(InvalidCases)(fixtureJson("invalid_payloads.json"))) {
    it.effect(`rejects a payload whose ${entry.case}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(decodeDatabankPayload(entry.payload))
        assert.instanceOf(error, DatabankPayloadError)
        assert.include(error.message, "invalid databank payload: ")
        assert.include(error.message, entry.error)
      }))
  }
})

const uploadSuite = (name: string, make: MakeBackend) =>
  describe(`databank: upload (${name} store)`, () => {
    it.effect("stores inline bytes under their sha256 and reports progress from 0 to the size", () =>
      withStore(make, 1024 * 1024, (store) =>
        Effect.gen(function*() {
          const progress = recorder()
          const stored = yield* upload(inlineUpload(hello.bytes, hello.sha256, hello.size), progress.onProgress)
          assert.deepStrictEqual(stored, { id: hello.sha256, bytes: hello.size })
          assert.deepStrictEqual(yield* store.get(hello.sha256), hello.bytes)
          assert.deepStrictEqual(progress.calls, [[0, 58], [58, 58]])
        })))

    it.effect("streams a larger upload in 64 KiB steps", () =>
      withStore(make, 1024 * 1024, () =>
        Effect.gen(function*() {
          const progress = recorder()
          yield* upload(inlineUpload(sample.bytes, sample.sha256, sample.size), progress.onProgress)
          const done = progress.calls.map(([d]) => d)
          assert.deepStrictEqual(done, [0, 65536, 131072, 196608, sample.size])
          assert.isTrue(progress.calls.every(([, total]) => total === sample.size))
        })))

    it.effect("a wrong sha256 fails with both digests and stores nothing", () =>
      withStore(make, 1024 * 1024, (_store, entries) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(upload(inlineUpload(sample.bytes, hello.sha256, sample.size), () => Effect.void))
          assert.instanceOf(error, DatabankDigestMismatch)
          assert.deepInclude(error, { expected: hello.sha256, actual: sample.sha256 })
          assert.strictEqual(error.message, `sha256 mismatch: expected ${hello.sha256}, got ${sample.sha256}`)
          assert.strictEqual(databankErrorKind(error), "user")
          assert.deepStrictEqual(yield* entries, [])
        })))

    it.effect("more bytes than declared fail as soon as the size is passed, storing nothing", () =>
      withStore(make, 1024 * 1024, (_store, entries) =>
        Effect.gen(function*() {
          const progress = recorder()
          const error = yield* Effect.flip(upload(inlineUpload(sample.bytes, sample.sha256, 100_000), progress.onProgress))
          assert.instanceOf(error, DatabankSizeMismatch)
          assert.deepInclude(error, { expected: 100_000, actual: 131_072 })
          assert.strictEqual(error.message, "Size mismatch: expected 100000 bytes, got at least 131072 bytes")
          assert.deepStrictEqual(progress.calls.map(([d]) => d), [0, 65536])
          assert.deepStrictEqual(yield* entries, [])
        })))

    it.effect("fewer bytes than declared fail at the end, storing nothing", () =>
      withStore(make, 1024 * 1024, (_store, entries) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(upload(inlineUpload(sample.bytes, sample.sha256, 300_000), () => Effect.void))
          assert.instanceOf(error, DatabankSizeMismatch)
          assert.strictEqual(error.message, `Size mismatch: expected 300000 bytes, got ${sample.size} bytes`)
          assert.deepStrictEqual(yield* entries, [])
        })))

    it.effect("a failing progress callback stops the upload, storing nothing", () =>
      withStore(make, 1024 * 1024, (_store, entries) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(upload(inlineUpload(sample.bytes, sample.sha256, sample.size), failAfterStart))
          assert.strictEqual(error, "progress sink closed")
          assert.deepStrictEqual(yield* entries, [])
        })))

    it.effect("an upload over the store's limit fails with ResultTooLarge, a user error", () =>
      withStore(make, 1000, (_store, entries) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(upload(inlineUpload(sample.bytes, sample.sha256, sample.size), () => Effect.void))
          assert.instanceOf(error, ResultTooLarge)
          assert.deepInclude(error, { limit: 1000 })
          assert.strictEqual(databankErrorKind(error), "user")
          assert.deepStrictEqual(yield* entries, [])
        })))

    it.effect("uploads from an object already in the store, checking it the same way", () =>
      withStore(make, 1024 * 1024, (store, entries) =>
        Effect.gen(function*() {
          const source = yield* store.put(sample.bytes)
          const before = yield* entries
          const fromStore = (sha: string): UploadPayload => ({ op: "upload", result_id: source.id, sha256: sha, size: sample.size })
          assert.deepStrictEqual(yield* upload(fromStore(sample.sha256), () => Effect.void), source)
          const error = yield* Effect.flip(upload(fromStore(hello.sha256), () => Effect.void))
          assert.instanceOf(error, DatabankDigestMismatch)
          // The source object stays; nothing else was added.
          assert.deepStrictEqual(yield* entries, before)
          assert.strictEqual(before.length, 1)
          const missing = yield* Effect.flip(upload({ ...fromStore(sample.sha256), result_id: hello.sha256 }, () => Effect.void))
          assert.instanceOf(missing, ResultNotFound)
        })))
  })

uploadSuite("filesystem", fileSystemBackend)
uploadSuite("memory", memoryBackend)

const failAfterStart = (done: number) => (done > 0 ? Effect.fail("progress sink closed" as const) : Effect.void)

const downloadPayload = (size?: number): DownloadPayload =>
  size === undefined ? { op: "download", result_id: sample.sha256 } : { op: "download", result_id: sample.sha256, size }

describe("databank: download", () => {
  it.effect("streams a stored object out with progress", () =>
    withStore(memoryBackend, 1024 * 1024, (store) =>
      Effect.gen(function*() {
        yield* store.put(sample.bytes)
        const progress = recorder()
        const chunks = yield* Stream.runCollect(download(downloadPayload(sample.size), progress.onProgress))
        assert.deepStrictEqual(concatBytes(chunks), sample.bytes)
        assert.deepStrictEqual(progress.calls.at(0), [0, sample.size])
        assert.deepStrictEqual(progress.calls.at(-1), [sample.size, sample.size])
      })))

  it.effect("a declared size that differs from the stored one fails before any byte is sent", () =>
    withStore(memoryBackend, 1024 * 1024, (store) =>
      Effect.gen(function*() {
        yield* store.put(sample.bytes)
        const progress = recorder()
        const error = yield* Effect.flip(Stream.runCollect(download(downloadPayload(10), progress.onProgress)))
        assert.instanceOf(error, DatabankSizeMismatch)
        assert.deepInclude(error, { expected: 10, actual: sample.size })
        assert.deepStrictEqual(progress.calls, [])
      })))

  it.effect("a missing object fails with ResultNotFound", () =>
    withStore(memoryBackend, 1024 * 1024, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Stream.runCollect(download(downloadPayload(), () => Effect.void)))
        assert.instanceOf(error, ResultNotFound)
        assert.strictEqual(databankErrorKind(error), "user")
      })))

  // The store itself checks the digest before the first byte (verifiedRead.ts), so the download
  // never starts: the refusal names the digest the bytes really have.
  it.effect("an object corrupted on disk fails the download with the digest it really has", () =>
    Effect.scoped(Effect.gen(function*() {
      const root = yield* tempRoot
      const layer = ResultStore.layerFileSystem({ root, maxBytes: 1024 * 1024 })
      const corrupted = sample.bytes.slice()
      corrupted[1000] = (corrupted[1000] ?? 0) ^ 0xff
      const error = yield* Effect.gen(function*() {
        const store = yield* ResultStore
        yield* store.put(sample.bytes)
        const id = sample.sha256
        yield* Effect.promise(() => writeFile(join(root, id.slice(0, 2), id.slice(2, 4), id), corrupted))
        return yield* Effect.flip(Stream.runCollect(download(downloadPayload(), () => Effect.void)))
      }).pipe(Effect.provide(layer))
      assert.deepInclude(error, { _tag: "ResultCorrupt", id: sample.sha256, reason: "hash-mismatch" })
      assert.include(error.message, sha256(corrupted))
    })))
})

describe("databank: job program", () => {
  it.effect("runs a decoded upload, then a download of what it stored", () =>
    withStore(memoryBackend, 1024 * 1024, () =>
      Effect.gen(function*() {
        const uploaded = yield* runDatabankJob(yield* decodeDatabankPayload(fixtureJson("upload_hello.json")), () => Effect.void)
        assert.deepStrictEqual(uploaded, { id: hello.sha256, bytes: hello.size })
        const progress = recorder()
        const downloadJob = yield* decodeDatabankPayload({ op: "download", result_id: uploaded.id })
        assert.deepStrictEqual(yield* runDatabankJob(downloadJob, progress.onProgress), uploaded)
        assert.deepStrictEqual(progress.calls, [[0, hello.size], [hello.size, hello.size]])
      })))

  it.effect("an upload that names no source fails with a payload error and stores nothing", () =>
    withStore(memoryBackend, 1024 * 1024, (_store, entries) =>
      Effect.gen(function*() {
        const noSource: UploadPayload = { op: "upload", sha256: hello.sha256, size: 0 }
        const error = yield* Effect.flip(runDatabankJob(noSource, () => Effect.void))
        assert.instanceOf(error, DatabankPayloadError)
        assert.include(error.message, "names no source")
        assert.deepStrictEqual(yield* entries, [])
      })))
})

describe("databank: error kinds", () => {
  it("only a failing store is a system error", () => {
    const errors: ReadonlyArray<readonly [DatabankError, "user" | "system"]> = [
      [new DatabankPayloadError({ message: "bad" }), "user"],
      [DatabankSizeMismatch.of(1, 2, false), "user"],
      [DatabankDigestMismatch.of("a", "b"), "user"],
      [new InvalidResultId({ id: "x", message: "bad id" }), "user"],
      [ResultNotFound.of("x"), "user"],
      [ResultTooLarge.of(1, 2), "user"],
      [ResultStoreError.of("get", "/tmp/x", new Error("EIO")), "system"]
    ]
    for (const [error, kind] of errors) assert.strictEqual(databankErrorKind(error), kind, error._tag)
  })
})
