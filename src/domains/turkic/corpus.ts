import { Effect } from "effect"
import { lowercaseFor } from "./casing.js"
import { kazakhCyrillicToLatin, kazakhLatinToCyrillic } from "./kazakhLatin.js"
import { DEFAULT_TOP, MAX_CORPUS_BYTES, type Transliteration, type TurkicLanguage, type TurkicPayload } from "./Payload.js"
import { tokenizeLine } from "./tokenize.js"
import { TurkicError } from "./TurkicError.js"

/** Reports lines done out of the total; the job passes its progress reporter here. */
export type OnProgress<E = never, R = never> = (done: number, total: number) => Effect.Effect<void, E, R>

export interface TypeCount {
  readonly type: string
  readonly count: number
}

/** Machine result of a corpus job. Types are distinct word forms (after casing), numbers and punctuation excluded. */
export interface CorpusResult {
  readonly lang: TurkicLanguage
  readonly transliterate: Transliteration | null
  readonly lowercase: boolean
  readonly lines: number
  readonly tokens: number
  readonly words: number
  readonly numbers: number
  readonly punctuation: number
  readonly types: number
  readonly top: ReadonlyArray<TypeCount>
  readonly corpus: ReadonlyArray<string>
}

const transliterators: Partial<Record<TurkicLanguage, Record<Transliteration, (text: string) => string>>> = {
  kk: { cyr2lat: kazakhCyrillicToLatin, lat2cyr: kazakhLatinToCyrillic }
}

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length

const oversize = (bytes: number) =>
  new TurkicError({
    reason: "OversizeInput",
    message: `corpus is ${bytes} bytes of UTF-8, the limit is ${MAX_CORPUS_BYTES} bytes`
  })

/** Decodes uploaded corpus bytes as strict UTF-8, checking the size limit first. */
export const decodeCorpusBytes = (bytes: Uint8Array): Effect.Effect<string, TurkicError> =>
  Effect.suspend(() => {
    if (bytes.length > MAX_CORPUS_BYTES) return Effect.fail(oversize(bytes.length))
    return Effect.try({
      try: () => new TextDecoder("utf-8", { fatal: true }).decode(bytes),
      catch: () => new TurkicError({ reason: "InvalidEncoding", message: "unknown encoding: the corpus is not valid UTF-8" })
    })
  })

const corpusLines = (payload: TurkicPayload): ReadonlyArray<string> =>
  payload.lines ?? (payload.text ?? "").split(/\r\n|\n|\r/)

const rankTypes = (counts: ReadonlyMap<string, number>, top: number): Array<TypeCount> =>
  [...counts]
    .sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, top)
    .map(([type, count]) => ({ type, count }))

/**
 * Normalises (NFC), optionally transliterates and lowercases, and tokenises the corpus line by line,
 * reporting progress about a hundred times. Output lines keep the input's line structure.
 */
export const processCorpus = <E = never, R = never>(
  payload: TurkicPayload,
  onProgress?: OnProgress<E, R>
): Effect.Effect<CorpusResult, TurkicError | E, R> =>
  Effect.gen(function*() {
    const lines = corpusLines(payload)
    const bytes = lines.reduce((sum, line) => sum + utf8Bytes(line) + 1, 0) - 1
    if (bytes > MAX_CORPUS_BYTES) return yield* oversize(bytes)
    if (lines.every((line) => line.trim() === "")) {
      return yield* new TurkicError({ reason: "EmptyCorpus", message: "the corpus is empty: no text to process" })
    }
    let transliterate: ((text: string) => string) | undefined
    if (payload.transliterate !== undefined) {
      transliterate = transliterators[payload.lang]?.[payload.transliterate]
      if (transliterate === undefined) {
        const supported = Object.keys(transliterators).join(", ")
        return yield* new TurkicError({
          reason: "UnsupportedTransliteration",
          message: `transliteration ${payload.transliterate} is not available for "${payload.lang}" (available for: ${supported})`
        })
      }
    }
    const lowercase = payload.lowercase ?? false
    const total = lines.length
    const step = Math.max(1, Math.ceil(total / 100))
    const out: Array<string> = []
    const counts = new Map<string, number>()
    let words = 0, numbers = 0, punctuation = 0
    for (let i = 0; i < total; i++) {
      let line = (lines[i] ?? "").normalize("NFC")
      if (transliterate !== undefined) line = transliterate(line)
      if (lowercase) line = lowercaseFor(payload.lang, line)
      out.push(line)
      for (const token of tokenizeLine(line)) {
        if (token.kind === "word") {
          words++
          counts.set(token.text, (counts.get(token.text) ?? 0) + 1)
        } else if (token.kind === "number") numbers++
        else punctuation++
      }
      if (onProgress !== undefined && ((i + 1) % step === 0 || i + 1 === total)) yield* onProgress(i + 1, total)
    }
    return {
      lang: payload.lang,
      transliterate: payload.transliterate ?? null,
      lowercase,
      lines: total,
      tokens: words + numbers + punctuation,
      words,
      numbers,
      punctuation,
      types: counts.size,
      top: rankTypes(counts, payload.top ?? DEFAULT_TOP),
      corpus: out
    }
  })

/** The bytes a corpus job stores: the processed corpus, one line per input line. */
export const corpusText = (result: CorpusResult): Uint8Array => new TextEncoder().encode(result.corpus.join("\n"))

/** The bytes of the full result as JSON. */
export const corpusJson = (result: CorpusResult): Uint8Array => new TextEncoder().encode(JSON.stringify(result))
