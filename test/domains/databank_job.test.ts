/** The databank job end to end on the real worker and a real redis-server: verified uploads and downloads, bad inputs. */
import { readFileSync } from "node:fs"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { databankJob, DatabankJobPayload } from "../../src/domains/databank/job.js"
import { decodeDatabankPayload } from "../../src/domains/databank/Payload.js"
import { ResultStore } from "../../src/runtime/ResultStore.js"
import {
  awaitFinished,
  domainJobLayer,
  enqueue,
  jobEvents,
  progressMessages,
  putInput,
  readResult,
  startDomainWorker
} from "../support/DomainJobHarness.js"

const fixtureBytes = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/databank/${name}`, import.meta.url)))
const fixtureJson = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/databank/${name}`, import.meta.url), "utf8"))

const Manifest = Schema.Record(Schema.String, Schema.Struct({ sha256: Schema.String, size: Schema.Number }))
const manifest = Schema.decodeUnknownSync(Manifest)(fixtureJson("manifest.json"))
const InvalidCases = Schema.Array(Schema.Struct({ case: Schema.String, payload: Schema.Unknown, error: Schema.String }))
const invalidCases = Schema.decodeUnknownSync(InvalidCases)(fixtureJson("invalid_payloads.json"))

const hello = fixtureBytes("hello.txt")
const sample = fixtureBytes("sample.bin")
const helloEntry = manifest["hello.txt"]
const sampleEntry = manifest["sample.bin"]

const uploadOf = (bytes: Uint8Array, sha256: string, size: number) => ({
  op: "upload",
  data_base64: Buffer.from(bytes).toString("base64"),
  sha256,
  size
})

// The job's schema words these its own way; every other case carries the domain decoder's message.
const jobWording: Record<string, string> = {
  "not an object": "Expected object",
  "unknown op": `unknown op "delete" (known: upload, download) at ["op"]`,
  "unexpected field": `unknown field "path" (expected: op, result_id, size)`
}

const runJob = (payload: unknown) =>
  Effect.gen(function*() {
    const jobId = yield* enqueue("databank", payload)
    return { jobId, record: yield* awaitFinished("databank", jobId) }
  })

describe("databank job payload", () => {
  it.effect("rejects every invalid payload of the fixture, as the domain's decoder does", () =>
    Effect.gen(function*() {
      for (const { case: name, payload } of invalidCases) {
        assert.strictEqual((yield* Effect.result(decodeDatabankPayload(payload)))._tag, "Failure", name)
        assert.strictEqual((yield* Effect.result(Schema.decodeUnknownEffect(DatabankJobPayload)(payload)))._tag, "Failure", name)
      }
    }))

  it.effect("accepts what the domain's decoder accepts", () =>
    Effect.gen(function*() {
      const upload = yield* Schema.decodeUnknownEffect(DatabankJobPayload)(fixtureJson("upload_hello.json"))
      assert.strictEqual(upload.op, "upload")
      const download = yield* Schema.decodeUnknownEffect(DatabankJobPayload)({ op: "download", result_id: helloEntry?.sha256, size: 58 })
      assert.strictEqual(download.op, "download")
    }))
})

layer(domainJobLayer(), { excludeTestServices: true, timeout: "60 seconds" })("databank job on redis-server", (withRedis) => {
  withRedis.effect("uploads the hello fixture: the result id is its sha256 and the stored bytes are the file", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(databankJob)
      const { jobId, record } = yield* runJob(fixtureJson("upload_hello.json"))
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      assert.deepStrictEqual([record.resultId, record.resultBytes], [helloEntry?.sha256, 58])
      assert.deepStrictEqual(yield* readResult(record), hello)
      assert.include(progressMessages(yield* jobEvents("databank", jobId)), "uploaded 58 of 58 bytes")
    }))

  withRedis.effect("uploads 200 KB in chunks with byte progress, then a verified download of it", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(databankJob)
      const up = yield* runJob(uploadOf(sample, sampleEntry?.sha256 ?? "", sampleEntry?.size ?? 0))
      assert.strictEqual(up.record.status.status, "completed", up.record.lastError ?? "")
      assert.deepStrictEqual([up.record.resultId, up.record.resultBytes], [sampleEntry?.sha256, 204_817])
      const messages = progressMessages(yield* jobEvents("databank", up.jobId))
      assert.isAtMost(messages.length, 20)
      assert.includeMembers(messages, ["uploaded 65536 of 204817 bytes", "uploaded 204817 of 204817 bytes"])
      const down = yield* runJob({ op: "download", result_id: sampleEntry?.sha256, size: 204_817 })
      assert.strictEqual(down.record.status.status, "completed", down.record.lastError ?? "")
      assert.deepStrictEqual([down.record.resultId, down.record.resultBytes], [sampleEntry?.sha256, 204_817])
      assert.include(progressMessages(yield* jobEvents("databank", down.jobId)), "verified 204817 of 204817 bytes")
    }))

  withRedis.effect("an upload from an object already in the store is verified and kept under its id", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(databankJob)
      const staged = yield* putInput(hello)
      const { record } = yield* runJob({ op: "upload", result_id: staged.id, sha256: helloEntry?.sha256, size: 58 })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      assert.strictEqual(record.resultId, staged.id)
    }))

  withRedis.effect("mismatches, missing objects and bad payloads fail as user errors; nothing is stored; the worker keeps going", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(databankJob)
      const store = yield* ResultStore
      const wrongSha = "0".repeat(64)
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [uploadOf(hello, wrongSha, 58), `sha256 mismatch: expected ${wrongSha}, got ${helloEntry?.sha256}`],
        [uploadOf(hello, helloEntry?.sha256 ?? "", 57), "Size mismatch: expected 57 bytes, got at least 58 bytes"],
        [uploadOf(hello, helloEntry?.sha256 ?? "", 60), "Size mismatch: expected 60 bytes, got 58 bytes"],
        [{ op: "download", result_id: "1".repeat(64) }, `Result ${"1".repeat(64)} not found`],
        ...invalidCases.map(({ case: name, payload, error }) => [payload, jobWording[name] ?? error] as const)
      ]
      for (const [payload, message] of cases) {
        const { jobId, record } = yield* runJob(payload)
        assert.strictEqual(record.status.status, "failed", JSON.stringify(payload))
        assert.strictEqual(record.errorKind, "user")
        assert.include(record.lastError ?? "", message)
        assert.strictEqual((yield* jobEvents("databank", jobId)).at(-1)?.type, "databank.job.failed.v1")
      }
      assert.isFalse(yield* store.has(wrongSha))
      const { record } = yield* runJob(fixtureJson("upload_hello.json"))
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
    }))
})

layer(domainJobLayer(100_000), { excludeTestServices: true, timeout: "60 seconds" })("databank job with a 100 kB store limit", (withRedis) => {
  withRedis.effect("an upload larger than the store allows fails as a user error", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(databankJob)
      const { record } = yield* runJob(uploadOf(sample, sampleEntry?.sha256 ?? "", sampleEntry?.size ?? 0))
      assert.strictEqual(record.status.status, "failed")
      assert.strictEqual(record.errorKind, "user")
      assert.include(record.lastError ?? "", "the limit is 100000 bytes")
    }))
})
