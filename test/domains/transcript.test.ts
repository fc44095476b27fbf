import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { detectFormat, parseCaptions } from "../../src/domains/transcript/captions.js"
import { cleanCueText, decodeEntities } from "../../src/domains/transcript/markup.js"
import { decodeTranscriptPayload, MAX_CAPTION_BYTES } from "../../src/domains/transcript/Payload.js"
import {
  buildTranscript,
  decodeCaptionBytes,
  formatClock,
  transcriptJsonBytes,
  transcriptText
} from "../../src/domains/transcript/transcript.js"

const fixture = (name: string) => readFileSync(new URL(`../fixtures/transcript/${name}`, import.meta.url), "utf8")

const transcriptOf = (payload: unknown) =>
  Effect.flatMap(decodeTranscriptPayload(payload), (p) => buildTranscript(p))

const failureOf = (payload: unknown) =>
  Effect.map(Effect.flip(transcriptOf(payload)), (e) => ({ reason: e.reason, line: e.line, message: e.message }))

describe("transcript: parsing and markup", () => {
  it.effect("detects VTT by signature and SRT by its numbered first cue", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* detectFormat(fixture("interview.vtt")), "vtt")
      assert.strictEqual(yield* detectFormat("\uFEFFWEBVTT - title\n\n"), "vtt")
      assert.strictEqual(yield* detectFormat(fixture("episode.srt")), "srt")
    }))

  it.effect("VTT: skips header, STYLE and NOTE blocks; reads identifiers, short timestamps and settings", () =>
    Effect.gen(function*() {
      const cues = yield* parseCaptions(fixture("interview.vtt"), "vtt")
      assert.strictEqual(cues.length, 4)
      assert.deepStrictEqual([cues[0]?.id, cues[0]?.startMs, cues[0]?.endMs, cues[0]?.line], ["intro", 500, 2000, 12])
      assert.deepStrictEqual([cues[3]?.startMs, cues[3]?.endMs], [9000, 10500])
    }))

  it.effect("SRT with CRLF: cue numbers, comma millis, multi-line text", () =>
    Effect.gen(function*() {
      const cues = yield* parseCaptions(fixture("episode.srt"), "srt")
      assert.deepStrictEqual(cues.map((c) => [c.id, c.startMs, c.endMs]), [["1", 1000, 3500], ["2", 3600, 6000], ["3", 10000, 12250], ["4", 12300, 14000]])
      assert.strictEqual(cues[1]?.text, "{\\an8}Today we talk about\ncaching &amp; queues.")
    }))

  it("strips tags, inline timestamps and SSA overrides, keeps the voice as speaker, decodes entities", () => {
    assert.deepStrictEqual(cleanCueText("<v.loud Dr. Who>{\\an8}<b>Run</b>,<00:00:01.000><c.x> now</c>!"), { speaker: "Dr. Who", lines: ["Run, now!"] })
    assert.strictEqual(decodeEntities("a &amp; b &lt;c&gt; &#39;d&#x27; &quot;e&quot; &unknown; &#0;"), "a & b <c> 'd' \"e\" &unknown; &#0;")
    assert.deepStrictEqual(cleanCueText(" \n  \n"), { speaker: null, lines: [] })
  })

  it("formats clock times", () => {
    assert.strictEqual(formatClock(3_723_004), "01:02:03")
    assert.strictEqual(formatClock(3_723_004, true), "01:02:03.004")
  })
})

describe("transcript: paragraphs from the fixtures", () => {
  it.effect("SRT: a 4 s silence splits two paragraphs; markup and entities are gone", () =>
    Effect.gen(function*() {
      const result = yield* transcriptOf({ text: fixture("episode.srt") })
      assert.strictEqual(result.format, "srt")
      assert.strictEqual(result.cues, 4)
      assert.strictEqual(result.words, 17)
      assert.strictEqual(result.durationMs, 14000)
      assert.strictEqual(result.duplicateLines, 0)
      assert.deepStrictEqual(result.paragraphs, [
        { startMs: 1000, endMs: 6000, speaker: null, text: "Welcome to the show. Today we talk about caching & queues." },
        { startMs: 10000, endMs: 14000, speaker: null, text: "After the break: Redis streams. That's all." }
      ])
      assert.strictEqual(
        transcriptText(result),
        "[00:00:01] Welcome to the show. Today we talk about caching & queues.\n\n[00:00:10] After the break: Redis streams. That's all.\n"
      )
    }))

  it.effect("SRT: a larger gap threshold keeps one paragraph; a small length limit splits again", () =>
    Effect.gen(function*() {
      const one = yield* transcriptOf({ text: fixture("episode.srt"), paragraphGapSeconds: 5 })
      assert.strictEqual(one.paragraphs.length, 1)
      const short = yield* transcriptOf({ text: fixture("episode.srt"), paragraphGapSeconds: 5, maxParagraphChars: 40 })
      assert.deepStrictEqual(short.paragraphs.map((p) => p.text), [
        "Welcome to the show.", "Today we talk about caching & queues.", "After the break: Redis streams.", "That's all."
      ])
    }))

  it.effect("VTT: speaker changes and silences start paragraphs", () =>
    Effect.gen(function*() {
      const result = yield* transcriptOf({ text: fixture("interview.vtt") })
      assert.strictEqual(result.words, 14)
      assert.deepStrictEqual(result.paragraphs, [
        { startMs: 500, endMs: 4000, speaker: "Alice", text: "Hi everyone, I'm Alice. We ship <fast> code." },
        { startMs: 4200, endMs: 6000, speaker: "Bob", text: "And I review it slowly." },
        { startMs: 9000, endMs: 10500, speaker: "Bob", text: "Questions?" }
      ])
      assert.include(transcriptText(result), "[00:00:04] Bob: And I review it slowly.")
      const json = JSON.parse(new TextDecoder().decode(transcriptJsonBytes(result)))
      assert.strictEqual(json.paragraphs.length, 3)
    }))

  it.effect("rolling captions: repeated lines are dropped, progress counts cues", () =>
    Effect.gen(function*() {
      const payload = yield* decodeTranscriptPayload({ text: fixture("rolling.vtt") })
      const seen: Array<number> = []
      const result = yield* buildTranscript(payload, (done) => Effect.sync(() => seen.push(done)))
      assert.deepStrictEqual(seen, [1, 2, 3, 4, 5, 6])
      assert.strictEqual(result.cues, 6)
      assert.strictEqual(result.duplicateLines, 4)
      assert.strictEqual(result.words, 14)
      assert.deepStrictEqual(result.paragraphs, [
        { startMs: 0, endMs: 6000, speaker: null, text: "hello everyone and welcome to the stream today we fix bugs" },
        { startMs: 9000, endMs: 11000, speaker: null, text: "after a pause" }
      ])
    }))

  it.effect("rolling captions without dedupe keep every repetition", () =>
    Effect.gen(function*() {
      const result = yield* transcriptOf({ text: fixture("rolling.vtt"), dedupe: false })
      assert.strictEqual(result.duplicateLines, 0)
      assert.strictEqual(result.words, 14 + 3 + 3 + 4 + 4)
    }))
})

describe("transcript: bad input", () => {
  it.effect("a timestamp with 61 seconds names its line", () =>
    Effect.gen(function*() {
      const text = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:61,000 --> 00:00:62,000\nbad\n"
      const error = yield* failureOf({ text })
      assert.deepStrictEqual([error.reason, error.line], ["MalformedTiming", 6])
      assert.include(error.message, 'line 6: malformed cue timing: bad start time "00:00:61,000"')
    }))

  it.effect("an end before the start, and a garbled arrow, are errors naming the line", () =>
    Effect.gen(function*() {
      const backwards = yield* failureOf({ text: "WEBVTT\n\n00:05.000 --> 00:04.000\nx\n" })
      assert.deepStrictEqual([backwards.reason, backwards.line], ["MalformedTiming", 3])
      assert.include(backwards.message, "ends (00:04.000) before it starts (00:05.000)")
      const arrow = yield* failureOf({ text: "WEBVTT\n\n00:01.000 --> \nx\n" })
      assert.deepStrictEqual([arrow.reason, arrow.line], ["MalformedTiming", 3])
      const noTiming = yield* failureOf({ text: "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 -> 00:00:04,000\nx\n" })
      assert.deepStrictEqual([noTiming.reason, noTiming.line], ["MalformedCue", 5])
    }))

  it.effect("SRT cue numbers must be numbers", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ text: "1\n00:00:01,000 --> 00:00:02,000\nok\n\nabc\n00:00:03,000 --> 00:00:04,000\nx\n", format: "srt" })
      assert.deepStrictEqual([error.reason, error.line], ["MalformedCue", 5])
    }))

  it.effect("unknown format, empty file, bad payload", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failureOf({ text: "just some words\nno cues" })).reason, "UnknownFormat")
      assert.strictEqual((yield* failureOf({ text: "WEBVTT\n\nNOTE nothing here\n" })).reason, "EmptyCaptions")
      const bad = yield* failureOf({ text: "WEBVTT", format: "ass" })
      assert.strictEqual(bad.reason, "InvalidPayload")
      assert.include(bad.message, `unknown caption format "ass" (known: auto, vtt, srt) at ["format"]`)
      assert.strictEqual((yield* failureOf({ text: "WEBVTT", paragraphGapSeconds: -1 })).reason, "InvalidPayload")
    }))

  it.effect("oversize input and invalid UTF-8", () =>
    Effect.gen(function*() {
      const big = yield* failureOf({ text: "WEBVTT\n\n" + "x".repeat(MAX_CAPTION_BYTES) })
      assert.strictEqual(big.reason, "OversizeInput")
      const tooManyBytes = yield* Effect.flip(decodeCaptionBytes(new Uint8Array(MAX_CAPTION_BYTES + 1)))
      assert.strictEqual(tooManyBytes.reason, "OversizeInput")
      const latin1 = yield* Effect.flip(decodeCaptionBytes(new Uint8Array([0x57, 0x45, 0x42, 0x56, 0x54, 0x54, 0x0a, 0xe9])))
      assert.deepStrictEqual([latin1.reason, latin1.message], ["InvalidEncoding", "unknown encoding: the caption file is not valid UTF-8"])
    }))
})
