/** The transcript job end to end on the real worker and a real redis-server: fixtures, input ids, bad inputs. */
import { readFileSync } from "node:fs"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { decodeTranscriptPayload, MAX_CAPTION_BYTES } from "../../src/domains/transcript/Payload.js"
import { transcriptJob, TranscriptJobPayload } from "../../src/domains/transcript/job.js"
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

const fixture = (name: string) => readFileSync(new URL(`../fixtures/transcript/${name}`, import.meta.url), "utf8")

const Transcript = Schema.Struct({
  format: Schema.String,
  cues: Schema.Number,
  duplicateLines: Schema.Number,
  durationMs: Schema.Number,
  words: Schema.Number,
  paragraphs: Schema.Array(Schema.Struct({ startMs: Schema.Number, endMs: Schema.Number, speaker: Schema.NullOr(Schema.String), text: Schema.String })),
  outputs: Schema.Struct({ text: Schema.Struct({ result_id: Schema.String, bytes: Schema.Number }) })
})

const runJob = (payload: unknown) =>
  Effect.gen(function*() {
    const jobId = yield* enqueue("transcript", payload)
    return { jobId, record: yield* awaitFinished("transcript", jobId) }
  })

describe("transcript job payload", () => {
  it.effect("rejects every payload the domain's strict decoder rejects", () =>
    Effect.gen(function*() {
      const rejected: ReadonlyArray<object> = [
        {},
        { text: 1 },
        { text: "WEBVTT", format: "ass" },
        { text: "WEBVTT", paragraphGapSeconds: -1 },
        { text: "WEBVTT", maxParagraphChars: 5 },
        { text: "WEBVTT", speakers: true }
      ]
      for (const payload of rejected) {
        assert.strictEqual((yield* Effect.result(decodeTranscriptPayload(payload)))._tag, "Failure", JSON.stringify(payload))
        assert.strictEqual((yield* Effect.result(Schema.decodeUnknownEffect(TranscriptJobPayload)(payload)))._tag, "Failure", JSON.stringify(payload))
      }
      const both = yield* Effect.flip(Schema.decodeUnknownEffect(TranscriptJobPayload)({ text: "WEBVTT", input_id: "a".repeat(64) }))
      assert.include(both.message, `give exactly one of "text", "input_id"`)
    }))
})

layer(domainJobLayer(), { excludeTestServices: true, timeout: "60 seconds" })("transcript job on redis-server", (withRedis) => {
  withRedis.effect("rolling WebVTT captions: repeated lines dropped, two paragraphs, text output by id", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(transcriptJob)
      const { jobId, record } = yield* runJob({ text: fixture("rolling.vtt") })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const transcript = yield* decodeJson(Transcript, yield* readResult(record))
      assert.deepStrictEqual(
        [transcript.format, transcript.cues, transcript.duplicateLines, transcript.words, transcript.durationMs],
        ["vtt", 6, 4, 14, 11_000]
      )
      assert.deepStrictEqual(transcript.paragraphs.map((p) => p.startMs), [0, 9_000])
      const text = yield* readText(transcript.outputs.text.result_id)
      assert.strictEqual(text, "[00:00:00] hello everyone and welcome to the stream today we fix bugs\n\n[00:00:09] after a pause\n")
      assert.strictEqual(Buffer.byteLength(text), transcript.outputs.text.bytes)
      const messages = progressMessages(yield* jobEvents("transcript", jobId))
      assert.include(messages, "merged 6 of 6 cues")
      assert.isTrue(messages.some((m) => m.startsWith("2 paragraphs from 6 vtt cues (4 repeated lines dropped)")))
    }))

  withRedis.effect("an SRT file by input_id: markup stripped, paragraphs split at the 4 s silence", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(transcriptJob)
      const input = yield* putText(fixture("episode.srt"))
      const { record } = yield* runJob({ input_id: input.id })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const transcript = yield* decodeJson(Transcript, yield* readResult(record))
      assert.deepStrictEqual([transcript.format, transcript.cues, transcript.words], ["srt", 4, 17])
      assert.deepStrictEqual(transcript.paragraphs.map((p) => [p.startMs, p.endMs]), [[1_000, 6_000], [10_000, 14_000]])
      assert.strictEqual(transcript.paragraphs[0]?.text, "Welcome to the show. Today we talk about caching & queues.")
    }))

  withRedis.effect("bad inputs fail as user errors naming the problem; the worker keeps going", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(transcriptJob)
      const latin1 = yield* putInput(new Uint8Array([0x31, 0x0a, 0x30, 0x30, 0xe9, 0x0a]))
      const oversize = yield* putText("x".repeat(MAX_CAPTION_BYTES + 1))
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ text: "WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nhello\n" }, `line 3: malformed cue timing: bad end time "00:00:0x.000"`],
        [{ text: "hello there\nnothing" }, "unknown caption format"],
        [{ text: "WEBVTT\n" }, "the caption file has no cues"],
        [{ input_id: latin1.id }, "unknown encoding: the caption file is not valid UTF-8"],
        [{ input_id: oversize.id }, `is ${MAX_CAPTION_BYTES + 1} bytes, the limit is ${MAX_CAPTION_BYTES} bytes`],
        [{ text: "WEBVTT", lang: "en" }, `unknown field "lang"`]
      ]
      for (const [payload, message] of cases) {
        const { jobId, record } = yield* runJob(payload)
        assert.strictEqual(record.status.status, "failed")
        assert.strictEqual(record.errorKind, "user")
        assert.include(record.lastError ?? "", message)
        assert.strictEqual((yield* jobEvents("transcript", jobId)).at(-1)?.type, "transcript.job.failed.v1")
      }
      const { record } = yield* runJob({ text: fixture("interview.vtt") })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const transcript = yield* decodeJson(Transcript, yield* readResult(record))
      assert.deepStrictEqual(transcript.paragraphs.map((p) => p.speaker), ["Alice", "Bob", "Bob"])
    }))
})
