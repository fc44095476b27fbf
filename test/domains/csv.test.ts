import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { formatCsv, parseCsvRecords, parseCsvTable } from "../../src/domains/shared/csv.js"

const fields = (text: string) => Effect.map(parseCsvRecords(text), (records) => records.map((r) => r.fields))

describe("shared CSV (RFC 4180)", () => {
  it.effect("splits plain fields and records on CRLF and LF", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* fields("a,b,c\r\n1,2,3\n4,,6"), [["a", "b", "c"], ["1", "2", "3"], ["4", "", "6"]])
    }))

  it.effect("a final line break does not add an empty record; a trailing comma adds an empty field", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* fields("a,b\r\n"), [["a", "b"]])
      assert.deepStrictEqual(yield* fields("a,b,\n"), [["a", "b", ""]])
      assert.deepStrictEqual(yield* fields(""), [])
    }))

  it.effect("quoted fields keep commas, escaped quotes and line breaks", () =>
    Effect.gen(function*() {
      const text = 'id,note\r\n1,"say ""hi"", then go"\r\n2,"two\r\nlines"\r\n3,""\r\n'
      assert.deepStrictEqual(yield* fields(text), [["id", "note"], ["1", 'say "hi", then go'], ["2", "two\r\nlines"], ["3", ""]])
    }))

  it.effect("records carry the physical line they start on, counting breaks inside quotes", () =>
    Effect.gen(function*() {
      const records = yield* parseCsvRecords('h\n"a\nb"\nc\n')
      assert.deepStrictEqual(records.map((r) => r.line), [1, 2, 4])
    }))

  it.effect("drops a UTF-8 byte order mark", () =>
    Effect.gen(function*() {
      const table = yield* parseCsvTable("\uFEFFsku,price\nA1,10\n")
      assert.deepStrictEqual(table.header, ["sku", "price"])
    }))

  it.effect("an unterminated quote is an error naming the line where the field starts", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(parseCsvRecords('a,b\n1,"open\nstill open'))
      assert.strictEqual(error.line, 2)
      assert.include(error.message, "line 2: quoted field is never closed")
    }))

  it.effect("text after a closing quote and a bare quote in a field are errors", () =>
    Effect.gen(function*() {
      const after = yield* Effect.flip(parseCsvRecords('a\n"x"y\n'))
      assert.strictEqual(after.line, 2)
      assert.include(after.message, "after a closing quote")
      const bare = yield* Effect.flip(parseCsvRecords('a\n\nMonitor 27"\n'))
      assert.strictEqual(bare.line, 3)
      assert.include(bare.message, "quote inside an unquoted field")
    }))

  it.effect("table: header names are trimmed, blank lines skipped, rows keep their lines", () =>
    Effect.gen(function*() {
      const table = yield* parseCsvTable(" a , b \n1,2\n\n3,4\n")
      assert.deepStrictEqual(table.header, ["a", "b"])
      assert.deepStrictEqual(table.rows.map((r) => [r.line, ...r.fields]), [[2, "1", "2"], [4, "3", "4"]])
    }))

  it.effect("table: wrong field count, empty file, duplicate and empty header names are errors", () =>
    Effect.gen(function*() {
      const short = yield* Effect.flip(parseCsvTable("a,b,c\n1,2,3\n4,5\n"))
      assert.strictEqual(short.message, "line 3: expected 3 fields like the header, found 2")
      const empty = yield* Effect.flip(parseCsvTable("\n\n"))
      assert.include(empty.message, "the CSV is empty")
      const dup = yield* Effect.flip(parseCsvTable("a,b,a\n"))
      assert.include(dup.message, 'column "a" appears twice')
      const blank = yield* Effect.flip(parseCsvTable("a,,c\n"))
      assert.include(blank.message, "empty column name")
    }))

  it.effect("format quotes only where needed and round-trips through the parser", () =>
    Effect.gen(function*() {
      const rows = [["id", "text", "n"], ["1", 'He said "no", twice', 2.5], ["2", "multi\nline", null], ["3", " padded", true]]
      const text = formatCsv(rows)
      assert.strictEqual(text, 'id,text,n\r\n1,"He said ""no"", twice",2.5\r\n2,"multi\nline",\r\n3," padded",true\r\n')
      assert.deepStrictEqual(yield* fields(text), [["id", "text", "n"], ["1", 'He said "no", twice', "2.5"], ["2", "multi\nline", ""], ["3", " padded", "true"]])
    }))
})
