import { Effect } from "effect"
import { type Cue, type DetectedFormat, detectFormat, parseCaptions } from "./captions.js"
import { cleanCueText } from "./markup.js"
import {
  DEFAULT_MAX_PARAGRAPH_CHARS,
  DEFAULT_PARAGRAPH_GAP_SECONDS,
  MAX_CAPTION_BYTES,
  type TranscriptPayload
} from "./Payload.js"
import { TranscriptError } from "./TranscriptError.js"

/** Reports cues done out of the total; the job passes its progress reporter here. */
export type OnProgress<E = never, R = never> = (done: number, total: number) => Effect.Effect<void, E, R>

export interface Paragraph {
  readonly startMs: number
  readonly endMs: number
  readonly speaker: string | null
  readonly text: string
}

export interface TranscriptResult {
  readonly format: DetectedFormat
  readonly cues: number
  /** Cue lines dropped because the previous cue already showed them (rolling captions). */
  readonly duplicateLines: number
  readonly durationMs: number
  readonly words: number
  readonly paragraphs: ReadonlyArray<Paragraph>
}

// Lines compare equal regardless of case, punctuation and spacing, as rolling captions re-render them.
const comparable = (line: string) => line.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim()

/** `hh:mm:ss` (or `hh:mm:ss.mmm` with millis) for a time in milliseconds. */
const pad = (n: number, width = 2) => String(n).padStart(width, "0")

export const formatClock = (ms: number, withMillis = false): string => {
  const base = `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}`
  return withMillis ? `${base}.${pad(ms % 1000, 3)}` : base
}

const wordPattern = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length

/** Decodes an uploaded caption file as strict UTF-8, checking the size limit first. */
export const decodeCaptionBytes = (bytes: Uint8Array): Effect.Effect<string, TranscriptError> =>
  Effect.suspend(() => {
    if (bytes.length > MAX_CAPTION_BYTES) {
      return Effect.fail(new TranscriptError({ reason: "OversizeInput", message: `caption file is ${bytes.length} bytes, the limit is ${MAX_CAPTION_BYTES} bytes` }))
    }
    return Effect.try({
      try: () => new TextDecoder("utf-8", { fatal: true }).decode(bytes),
      catch: () => new TranscriptError({ reason: "InvalidEncoding", message: "unknown encoding: the caption file is not valid UTF-8" })
    })
  })

interface Builder {
  startMs: number
  endMs: number
  speaker: string | null
  parts: Array<string>
  chars: number
}

/**
 * Turns a caption file into timestamped paragraphs: parse, strip markup, drop lines repeated from the previous
 * cue, then merge cues in time order, starting a new paragraph at a silence of `paragraphGapSeconds`, a speaker
 * change, or when the paragraph would pass `maxParagraphChars`.
 */
export const buildTranscript = <E = never, R = never>(
  payload: TranscriptPayload,
  onProgress?: OnProgress<E, R>
): Effect.Effect<TranscriptResult, TranscriptError | E, R> =>
  Effect.gen(function*() {
    const bytes = utf8Bytes(payload.text)
    if (bytes > MAX_CAPTION_BYTES) {
      return yield* new TranscriptError({ reason: "OversizeInput", message: `caption file is ${bytes} bytes, the limit is ${MAX_CAPTION_BYTES} bytes` })
    }
    const format = payload.format === undefined || payload.format === "auto" ? yield* detectFormat(payload.text) : payload.format
    const cues: Array<Cue> = (yield* parseCaptions(payload.text, format)).sort((a, b) => a.startMs - b.startMs || a.line - b.line)
    if (cues.length === 0) return yield* new TranscriptError({ reason: "EmptyCaptions", message: "the caption file has no cues" })
    const gapMs = (payload.paragraphGapSeconds ?? DEFAULT_PARAGRAPH_GAP_SECONDS) * 1000
    const maxChars = payload.maxParagraphChars ?? DEFAULT_MAX_PARAGRAPH_CHARS
    const dedupe = payload.dedupe ?? true
    // the last builder is the paragraph being filled
    const builders: Array<Builder> = []
    let previousLines = new Set<string>()
    let duplicateLines = 0
    let words = 0
    const step = Math.max(1, Math.ceil(cues.length / 100))
    for (let i = 0; i < cues.length; i++) {
      const cue = cues[i]
      if (cue === undefined) continue
      const clean = cleanCueText(cue.text)
      const fresh = dedupe ? clean.lines.filter((line) => !previousLines.has(comparable(line))) : clean.lines
      duplicateLines += clean.lines.length - fresh.length
      if (clean.lines.length > 0) previousLines = new Set(clean.lines.map(comparable))
      const text = fresh.join(" ")
      const current = builders.at(-1)
      if (text !== "") {
        words += text.match(wordPattern)?.length ?? 0
        const startsNew = current === undefined ||
          cue.startMs - current.endMs >= gapMs ||
          (clean.speaker !== null && clean.speaker !== current.speaker) ||
          current.chars + 1 + text.length > maxChars
        if (startsNew) {
          builders.push({ startMs: cue.startMs, endMs: cue.endMs, speaker: clean.speaker, parts: [text], chars: text.length })
        } else {
          current.parts.push(text)
          current.chars += 1 + text.length
          current.endMs = Math.max(current.endMs, cue.endMs)
        }
      } else if (current !== undefined) {
        // a cue holding only repeated lines still extends the paragraph it repeats
        current.endMs = Math.max(current.endMs, cue.endMs)
      }
      if (onProgress !== undefined && ((i + 1) % step === 0 || i + 1 === cues.length)) yield* onProgress(i + 1, cues.length)
    }
    const paragraphs: Array<Paragraph> = builders.map((b) => ({ startMs: b.startMs, endMs: b.endMs, speaker: b.speaker, text: b.parts.join(" ") }))
    const durationMs = cues.reduce((max, cue) => Math.max(max, cue.endMs), 0)
    return { format, cues: cues.length, duplicateLines, durationMs, words, paragraphs }
  })

/** Plain-text transcript: `[hh:mm:ss] Speaker: text` paragraphs separated by blank lines. */
export const transcriptText = (result: TranscriptResult): string =>
  result.paragraphs
    .map((p) => `[${formatClock(p.startMs)}] ${p.speaker === null ? "" : `${p.speaker}: `}${p.text}`)
    .join("\n\n") + "\n"

export const transcriptTextBytes = (result: TranscriptResult): Uint8Array => new TextEncoder().encode(transcriptText(result))

export const transcriptJsonBytes = (result: TranscriptResult): Uint8Array => new TextEncoder().encode(JSON.stringify(result))
