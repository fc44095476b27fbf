/** The turkic job end to end on the real worker and a real redis-server: fixtures, input ids, bad inputs. */
import { readFileSync } from "node:fs"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { decodeTurkicPayload, MAX_CORPUS_BYTES } from "../../src/domains/turkic/Payload.js"
import { turkicJob, TurkicJobPayload } from "../../src/domains/turkic/job.js"
import {
  awaitFinished,
  decodeJson,
  domainJobLayer,
  enqueue,
  jobEvents,
  progressMessages,
  putInput,
  putText,
  readResult,
  readText,
  startDomainWorker
} from "../support/DomainJobHarness.js"

const fixture = (name: string) => readFileSync(new URL(`../fixtures/turkic/${name}`, import.meta.url), "utf8")

const Report = Schema.Struct({
  lines: Schema.Number,
  tokens: Schema.Number,
  words: Schema.Number,
  numbers: Schema.Number,
  punctuation: Schema.Number,
  types: Schema.Number,
  top: Schema.Array(Schema.Struct({ type: Schema.String, count: Schema.Number })),
  outputs: Schema.Struct({ corpus: Schema.Struct({ result_id: Schema.String, bytes: Schema.Number }) })
})

const runJob = (payload: unknown) =>
  Effect.gen(function*() {
    const jobId = yield* enqueue("turkic", payload)
    return { jobId, record: yield* awaitFinished("turkic", jobId) }
  })

describe("turkic job payload", () => {
  const rejectedByDomain: ReadonlyArray<object> = [
    { text: "x", lang: "xx" },
    { text: "x", lines: ["x"], lang: "kk" },
    { lang: "kk" },
    { text: "x", lang: "kk", top: 0 },
    { text: "x", lang: "kk", transliterate: "latin" },
    { text: "x", lang: "kk", colour: "red" }
  ]
  it.effect("rejects every payload the domain's strict decoder rejects", () =>
    Effect.gen(function*() {
      for (const payload of rejectedByDomain) {
        assert.strictEqual((yield* Effect.result(decodeTurkicPayload(payload)))._tag, "Failure", JSON.stringify(payload))
        assert.strictEqual((yield* Effect.result(Schema.decodeUnknownEffect(TurkicJobPayload)(payload)))._tag, "Failure", JSON.stringify(payload))
      }
    }))

  it.effect("names unknown fields and the three sources", () =>
    Effect.gen(function*() {
      const unknown = yield* Effect.flip(Schema.decodeUnknownEffect(TurkicJobPayload)({ text: "x", lang: "kk", colour: "red" }))
      assert.include(unknown.message, `unknown field "colour"`)
      const two = yield* Effect.flip(Schema.decodeUnknownEffect(TurkicJobPayload)({ text: "x", input_id: "a".repeat(64), lang: "kk" }))
      assert.include(two.message, `give exactly one of "text", "lines", "input_id"`)
    }))
})

layer(domainJobLayer(), { excludeTestServices: true, timeout: "60 seconds" })("turkic job on redis-server", (withRedis) => {
  withRedis.effect("transliterates the Kazakh fixture: counts, top types and the processed corpus by id", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(turkicJob)
      const { jobId, record } = yield* runJob({ text: fixture("kk_cyrillic.txt"), lang: "kk", transliterate: "cyr2lat", lowercase: true, top: 3 })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const report = yield* decodeJson(Report, yield* readResult(record))
      // 3 text lines and the empty line after the final newline; 25 words, the number 2, 7 punctuation marks.
      assert.deepStrictEqual([report.lines, report.words, report.numbers, report.punctuation, report.tokens], [4, 25, 1, 7, 33])
      assert.strictEqual(report.types, 24)
      assert.deepStrictEqual(report.top[0], { type: "bır", count: 2 })
      const corpus = yield* readText(report.outputs.corpus.result_id)
      assert.strictEqual(Buffer.byteLength(corpus), report.outputs.corpus.bytes)
      assert.strictEqual(corpus.split("\n")[0]?.slice(0, 30), "būryñğy ötken zamanda, bır dan")
      const events = yield* jobEvents("turkic", jobId)
      assert.deepStrictEqual(events.map((e) => e.type.split(".")[2]).filter((t, i, all) => t !== all[i - 1]), ["started", "progress", "completed"])
      assert.include(progressMessages(events), "processed 4 of 4 lines")
    }))

  withRedis.effect("reads the corpus by input_id and applies Turkish dotted/dotless i casing", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(turkicJob)
      const input = yield* putText(fixture("tr_mixed_case.txt"))
      const { record } = yield* runJob({ input_id: input.id, lang: "tr", lowercase: true })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const report = yield* decodeJson(Report, yield* readResult(record))
      const corpus = yield* readText(report.outputs.corpus.result_id)
      assert.strictEqual(corpus, "istanbul'da ışık var.\nığdır ile izmir arasında 1.250 km var.\n")
    }))

  withRedis.effect("publishes at most 20 progress events for a 2000-line corpus", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(turkicJob)
      const lines = Array.from({ length: 2000 }, (_, i) => `Сөйлем ${i} бар.`)
      const { jobId, record } = yield* runJob({ lines, lang: "kk" })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const messages = progressMessages(yield* jobEvents("turkic", jobId))
      assert.isAtMost(messages.length, 20)
      assert.isAtLeast(messages.length, 10)
      assert.include(messages, "processed 1000 of 2000 lines")
      assert.include(messages, "processed 2000 of 2000 lines")
    }))

  withRedis.effect("bad inputs fail as user errors with clear messages; the worker keeps going", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(turkicJob)
      const notUtf8 = yield* putInput(new Uint8Array([0x49, 0xfe, 0xff, 0x0a]))
      const oversize = yield* putText("a".repeat(MAX_CORPUS_BYTES + 1))
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ input_id: notUtf8.id, lang: "kk" }, "unknown encoding: the corpus is not valid UTF-8"],
        [{ input_id: oversize.id, lang: "kk" }, `input ${oversize.id} is ${MAX_CORPUS_BYTES + 1} bytes, the limit is ${MAX_CORPUS_BYTES} bytes`],
        [{ text: "Merhaba", lang: "tr", transliterate: "cyr2lat" }, `transliteration cyr2lat is not available for "tr"`],
        [{ text: " \n ", lang: "kk" }, "the corpus is empty"],
        [{ input_id: "0".repeat(64), lang: "kk" }, `input ${"0".repeat(64)} is not in the result store`],
        [{ text: "x", lang: "kk", encoding: "latin1" }, `unknown field "encoding"`],
        [{ text: "x", lang: "mn" }, `unknown language "mn" (known: kk, tr, az, ky, uz, tt, ba, tk) at ["lang"]`]
      ]
      for (const [payload, message] of cases) {
        const { jobId, record } = yield* runJob(payload)
        assert.strictEqual(record.status.status, "failed")
        assert.strictEqual(record.errorKind, "user")
        assert.include(record.lastError ?? "", message)
        const last = (yield* jobEvents("turkic", jobId)).at(-1)
        assert.strictEqual(last?.type, "turkic.job.failed.v1")
      }
      const { record } = yield* runJob({ text: "Сәлем, әлем!", lang: "kk", transliterate: "cyr2lat" })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const report = yield* decodeJson(Report, yield* readResult(record))
      assert.strictEqual(yield* readText(report.outputs.corpus.result_id), "Sälem, älem!")
    }))

  withRedis.effect("an inline corpus above the queue's payload limit is refused at enqueue; input_id is the way in", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.flip(enqueue("turkic", { text: "a".repeat(2 * 1024 * 1024), lang: "kk" }))
      assert.match(refused.message, /^payload is \d+ bytes, over the \d+-byte limit/)
    }))
})
