import { Effect, Schema } from "effect"

/**
 * RFC 4180 CSV: comma-separated fields, double-quoted fields may hold commas, line breaks and `""` escapes.
 * Records end at CRLF or LF (a lone CR too). A leading UTF-8 byte order mark is dropped.
 * Strict about quotes: a quote inside an unquoted field, text after a closing quote and an unterminated
 * quoted field are errors naming the line, so that a malformed file is never read silently shifted.
 */

export class CsvParseError extends Schema.TaggedError<CsvParseError>()("CsvParseError", {
  line: Schema.Int,
  message: Schema.String
}) {}

/** One record and the physical line (1-based) it starts on. */
export interface CsvRecord {
  readonly line: number
  readonly fields: ReadonlyArray<string>
}

/** A header row plus the data rows, each with as many fields as the header. */
export interface CsvTable {
  readonly header: ReadonlyArray<string>
  readonly rows: ReadonlyArray<CsvRecord>
}

const QUOTE = 34
const COMMA = 44
const CR = 13
const LF = 10

const parseRecordsSync = (input: string): Array<CsvRecord> | CsvParseError => {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input
  const records: Array<CsvRecord> = []
  let fields: Array<string> = []
  let line = 1
  let recordLine = 1
  let i = 0
  const n = text.length
  const endRecord = () => {
    records.push({ line: recordLine, fields })
    fields = []
  }
  // Consumes one line break at i (CRLF, LF or CR) and returns the index after it.
  const skipBreak = (at: number): number => {
    line++
    return text.charCodeAt(at) === CR && text.charCodeAt(at + 1) === LF ? at + 2 : at + 1
  }
  if (n === 0) return records
  while (true) {
    if (text.charCodeAt(i) === QUOTE) {
      const startLine = line
      let value = ""
      let j = i + 1
      while (true) {
        if (j >= n) return new CsvParseError({ line: startLine, message: `line ${startLine}: quoted field is never closed` })
        const c = text.charCodeAt(j)
        if (c === QUOTE) {
          if (text.charCodeAt(j + 1) === QUOTE) {
            value += '"'
            j += 2
            continue
          }
          j++
          break
        }
        if (c === CR || c === LF) {
          const next = skipBreak(j)
          value += text.slice(j, next)
          j = next
          continue
        }
        value += text[j]
        j++
      }
      fields.push(value)
      i = j
      const after = text.charCodeAt(i)
      if (i < n && after !== COMMA && after !== CR && after !== LF) {
        return new CsvParseError({ line, message: `line ${line}: unexpected text after a closing quote` })
      }
    } else {
      let j = i
      while (j < n) {
        const c = text.charCodeAt(j)
        if (c === COMMA || c === CR || c === LF) break
        if (c === QUOTE) {
          return new CsvParseError({ line, message: `line ${line}: quote inside an unquoted field (quote the whole field and double the quote)` })
        }
        j++
      }
      fields.push(text.slice(i, j))
      i = j
    }
    if (i >= n) {
      endRecord()
      return records
    }
    const c = text.charCodeAt(i)
    if (c === COMMA) {
      i++
      continue
    }
    // line break: the record ends; a break at the very end does not start another record
    i = skipBreak(i)
    endRecord()
    recordLine = line
    if (i >= n) return records
  }
}

/** Parses CSV text into records (no header handling). */
export const parseCsvRecords = (text: string): Effect.Effect<ReadonlyArray<CsvRecord>, CsvParseError> =>
  Effect.suspend(() => {
    const parsed = parseRecordsSync(text)
    return parsed instanceof CsvParseError ? Effect.fail(parsed) : Effect.succeed(parsed)
  })

const isBlank = (record: CsvRecord) => record.fields.length === 1 && record.fields[0] === ""

/**
 * Parses CSV text whose first record is a header. Header names are trimmed; blank lines are skipped;
 * a row with a different field count than the header is an error naming its line.
 */
export const parseCsvTable = (text: string): Effect.Effect<CsvTable, CsvParseError> =>
  Effect.gen(function*() {
    const records = (yield* parseCsvRecords(text)).filter((r) => !isBlank(r))
    const [first, ...rest] = records
    if (first === undefined) return yield* new CsvParseError({ line: 1, message: "the CSV is empty: expected a header row" })
    const header = first.fields.map((name) => name.trim())
    const seen = new Set<string>()
    for (const name of header) {
      if (name === "") return yield* new CsvParseError({ line: first.line, message: `line ${first.line}: the header has an empty column name` })
      if (seen.has(name)) return yield* new CsvParseError({ line: first.line, message: `line ${first.line}: column "${name}" appears twice in the header` })
      seen.add(name)
    }
    for (const row of rest) {
      if (row.fields.length !== header.length) {
        return yield* new CsvParseError({
          line: row.line,
          message: `line ${row.line}: expected ${header.length} fields like the header, found ${row.fields.length}`
        })
      }
    }
    return { header, rows: rest }
  })

export type CsvCell = string | number | boolean | null

const needsQuotes = /[",\r\n]|^\s|\s$/

const formatCell = (cell: CsvCell): string => {
  const text = cell === null ? "" : String(cell)
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** Writes records as RFC 4180 CSV (CRLF line ends, quoting only where needed, trailing CRLF). */
export const formatCsv = (rows: ReadonlyArray<ReadonlyArray<CsvCell>>): string =>
  rows.map((row) => row.map(formatCell).join(",") + "\r\n").join("")
