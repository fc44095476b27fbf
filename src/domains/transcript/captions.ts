import { Effect } from "effect"
import type { CaptionFormat } from "./Payload.js"
import { TranscriptError } from "./TranscriptError.js"

/** One parsed cue: times in milliseconds, raw text lines (markup kept), and the line of its timing. */
export interface Cue {
  readonly id: string | null
  readonly startMs: number
  readonly endMs: number
  readonly text: string
  readonly line: number
}

export type DetectedFormat = Exclude<CaptionFormat, "auto">

const timestamp = /^(?:(\d+):)?([0-5]\d):([0-5]\d)[.,](\d{3})$/
// start --> end, then optional settings (VTT `align:start position:0%`, SRT `X1:...`)
const timingLine = /^(\S+)\s+-->\s+(\S+)(?:\s+.*)?$/

const parseTimestamp = (text: string): number | null => {
  const m = timestamp.exec(text)
  if (m === null) return null
  return ((Number(m[1] ?? "0") * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4])
}

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)

/** WebVTT if the file starts with the WEBVTT signature; SRT if its first block is an index and an SRT timing. */
export const detectFormat = (text: string): Effect.Effect<DetectedFormat, TranscriptError> => {
  const body = stripBom(text)
  if (/^WEBVTT(?:[ \t\r\n]|$)/.test(body)) return Effect.succeed("vtt")
  if (/^\s*\d+[ \t]*\r?\n[^\n]*-->/.test(body)) return Effect.succeed("srt")
  return Effect.fail(new TranscriptError({
    reason: "UnknownFormat",
    message: "unknown caption format: expected a WebVTT file (starting with WEBVTT) or an SRT file (numbered cues)"
  }))
}

interface Block {
  readonly firstLine: number
  readonly lines: ReadonlyArray<string>
}

// WebVTT separates blocks by empty lines only (rolling captions put a lone space on a cue line); SRT files in the
// wild also use whitespace-only separator lines.
const splitBlocks = (text: string, format: DetectedFormat): Array<Block> => {
  const blocks: Array<Block> = []
  let current: Array<string> = []
  let firstLine = 0
  stripBom(text).split(/\r\n|\n|\r/).forEach((line, index) => {
    if (format === "vtt" ? line === "" : line.trim() === "") {
      if (current.length > 0) blocks.push({ firstLine, lines: current })
      current = []
    } else {
      if (current.length === 0) firstLine = index + 1
      current.push(line)
    }
  })
  if (current.length > 0) blocks.push({ firstLine, lines: current })
  return blocks
}

const malformedTiming = (line: number, detail: string) =>
  new TranscriptError({ reason: "MalformedTiming", line, message: `line ${line}: malformed cue timing: ${detail}` })

const parseTiming = (text: string, line: number): readonly [number, number] | TranscriptError => {
  const m = timingLine.exec(text.trim())
  if (m === null) return malformedTiming(line, `expected "start --> end", found "${text.trim()}"`)
  const start = parseTimestamp(m[1] ?? "")
  const end = parseTimestamp(m[2] ?? "")
  if (start === null) return malformedTiming(line, `bad start time "${m[1]}"`)
  if (end === null) return malformedTiming(line, `bad end time "${m[2]}"`)
  if (end < start) return malformedTiming(line, `cue ends (${m[2]}) before it starts (${m[1]})`)
  return [start, end]
}

/** Reads a block's cue: an optional identifier line, then the timing line, then text. Synchronous: runs per cue. */
const parseCueBlock = (block: Block, format: DetectedFormat): Cue | TranscriptError => {
  const timingIndex = block.lines.findIndex((l) => l.includes("-->"))
  if (timingIndex < 0 || timingIndex > 1) {
    const where = block.firstLine + (timingIndex < 0 ? 0 : timingIndex)
    const expected = format === "srt" ? "a cue number followed by a timing line" : "a timing line (optionally after a cue identifier)"
    return new TranscriptError({ reason: "MalformedCue", line: where, message: `line ${where}: expected ${expected}` })
  }
  const line = block.firstLine + timingIndex
  const id = timingIndex === 1 ? (block.lines[0] ?? "").trim() : null
  if (format === "srt" && id !== null && !/^\d+$/.test(id)) {
    return new TranscriptError({ reason: "MalformedCue", line: block.firstLine, message: `line ${block.firstLine}: expected a cue number, found "${id}"` })
  }
  const timing = parseTiming(block.lines[timingIndex] ?? "", line)
  if (timing instanceof TranscriptError) return timing
  return { id, startMs: timing[0], endMs: timing[1], text: block.lines.slice(timingIndex + 1).join("\n"), line }
}

const isVttMetadataBlock = (block: Block) => /^(?:NOTE|STYLE|REGION)(?:[ \t]|$)/.test(block.lines[0] ?? "")

/**
 * Parses cues in file order. WebVTT: the WEBVTT header block, NOTE, STYLE and REGION blocks are skipped.
 * A timing that does not parse, or a block with no timing, fails naming the line.
 */
export const parseCaptions = (text: string, format: DetectedFormat): Effect.Effect<Array<Cue>, TranscriptError> =>
  Effect.gen(function*() {
    const blocks = splitBlocks(text, format)
    const cueBlocks = format === "vtt"
      ? blocks.slice(1).filter((block) => !isVttMetadataBlock(block))
      : blocks
    const cues: Array<Cue> = []
    for (const block of cueBlocks) {
      const cue = parseCueBlock(block, format)
      if (cue instanceof TranscriptError) return yield* cue
      cues.push(cue)
    }
    return cues
  })
