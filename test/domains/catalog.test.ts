import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { parseCsvTable } from "../../src/domains/shared/csv.js"
import { gtinProblem, isIsbn13 } from "../../src/domains/catalog/gtin.js"
import { decodeCatalogBytes, decodeCatalogPayload, MAX_CATALOG_BYTES } from "../../src/domains/catalog/Payload.js"
import { catalogJsonBytes, issuesCsv, validateCatalog } from "../../src/domains/catalog/validate.js"

const fixture = (name: string) => readFileSync(new URL(`../fixtures/catalog/${name}`, import.meta.url), "utf8")
const electronics = fixture("mercado_livre_electronics.csv")
const books = fixture("amazon_books.csv")

const reportOf = (payload: unknown) => Effect.flatMap(decodeCatalogPayload(payload), (p) => validateCatalog(p))
const failureOf = (payload: unknown) =>
  Effect.map(Effect.flip(reportOf(payload)), (e) => ({ reason: e.reason, line: e.line, message: e.message }))

describe("catalog: GTIN check digits", () => {
  it("accepts valid GTIN-8, UPC-A, EAN-13, ISBN-13 and rejects bad ones with the reason", () => {
    for (const valid of ["96385074", "036000291452", "4006381333931", "9780306406157", "7891000000014"]) {
      assert.strictEqual(gtinProblem(valid), null, valid)
    }
    assert.strictEqual(gtinProblem("4006381333932"), "bad_check_digit")
    assert.strictEqual(gtinProblem("978030640615"), "bad_check_digit")
    assert.strictEqual(gtinProblem("12345"), "bad_length")
    assert.strictEqual(gtinProblem("40063813339X1"), "not_digits")
    assert.isTrue(isIsbn13("9791000000015"))
    assert.isFalse(isIsbn13("4006381333931"))
  })
})

describe("catalog: mercado_livre/electronics fixture", () => {
  it.effect("totals, bytes and ignored columns", () =>
    Effect.gen(function*() {
      const payload = yield* decodeCatalogPayload({ csv: electronics, marketplace: "mercado_livre", category: "electronics" })
      const seen: Array<string> = []
      const report = yield* validateCatalog(payload, (done, total) => Effect.sync(() => seen.push(`${done}/${total}`)))
      assert.strictEqual(seen.length, 8)
      assert.strictEqual(seen.at(-1), "8/8")
      assert.deepStrictEqual(
        [report.marketplace, report.category, report.region, report.total_rows, report.valid_rows, report.error_rows, report.warning_rows],
        ["mercado_livre", "electronics", "br", 8, 3, 5, 2]
      )
      assert.strictEqual(report.payload_bytes, new TextEncoder().encode(electronics).length)
      assert.strictEqual(report.payload_bytes, 785)
      assert.deepStrictEqual(report.ignored_columns, ["color"])
    }))

  it.effect("every issue, in row order", () =>
    Effect.gen(function*() {
      const report = yield* reportOf({ csv: electronics, marketplace: "mercado_livre", category: "electronics", region: "mx" })
      assert.strictEqual(report.region, "mx")
      assert.deepStrictEqual(report.issues.map((i) => [i.line, i.sku, i.severity, i.column, i.code]), [
        [3, "ML-002", "warning", "stock", "out_of_stock"],
        [4, "ML-003", "error", "price", "price_format"],
        [5, "ML-004", "warning", "title", "title_short"],
        [5, "ML-004", "error", "gtin", "gtin_invalid"],
        [6, "ML-001", "error", "sku", "duplicate_sku"],
        [7, "ML-006", "error", "title", "title_too_long"],
        [7, "ML-006", "error", "condition", "condition_invalid"],
        [8, "ML-007", "error", "brand", "missing_value"],
        [8, "ML-007", "error", "stock", "stock_format"]
      ])
      const messages = report.issues.map((i) => i.message)
      assert.include(messages, `line 4, price: "12,90" is not a price (digits, optional "." and up to 2 decimals)`)
      assert.include(messages, `line 6, sku: "ML-001" already used on line 2`)
      assert.include(messages, "line 7, title: has 72 characters, at most 60 are allowed")
      assert.include(messages, `line 5, gtin: "7891000000046" has a wrong check digit`)
    }))

  it.effect("issues CSV and JSON outputs", () =>
    Effect.gen(function*() {
      const report = yield* reportOf({ csv: electronics, marketplace: "mercado_livre", category: "electronics" })
      const table = yield* parseCsvTable(issuesCsv(report))
      assert.deepStrictEqual(table.header, ["line", "sku", "severity", "column", "code", "message"])
      assert.strictEqual(table.rows.length, 9)
      assert.deepStrictEqual(table.rows[1]?.fields.slice(0, 5), ["4", "ML-003", "error", "price", "price_format"])
      const json = JSON.parse(new TextDecoder().decode(catalogJsonBytes(report)))
      assert.deepStrictEqual([json.total_rows, json.valid_rows, json.error_rows, json.warning_rows], [8, 3, 5, 2])
    }))
})

describe("catalog: other rule sets", () => {
  it.effect("amazon/books: ISBN required, price floor, quoted cells", () =>
    Effect.gen(function*() {
      const report = yield* reportOf({ csv: books, marketplace: "amazon", category: "books" })
      assert.deepStrictEqual([report.region, report.total_rows, report.valid_rows, report.error_rows, report.warning_rows], ["us", 4, 1, 3, 0])
      assert.deepStrictEqual(report.issues.map((i) => [i.line, i.code]), [[3, "gtin_not_isbn"], [4, "price_range"], [5, "gtin_invalid"]])
      assert.strictEqual(report.issues[1]?.message, "line 4, price: 0.10 is outside 0.5..10000")
    }))

  it.effect("mercado_livre/home: a missing GTIN is only a warning and its column may be absent", () =>
    Effect.gen(function*() {
      const csv = "sku,title,price,stock,condition\nH-1,Jogo de Panelas Antiaderente 5 Peças,349.90,4,new\n"
      const report = yield* reportOf({ csv, marketplace: "mercado_livre", category: "home" })
      assert.deepStrictEqual([report.valid_rows, report.warning_rows], [1, 1])
      assert.deepStrictEqual(report.issues.map((i) => [i.severity, i.code]), [["warning", "gtin_missing"]])
    }))
})

describe("catalog: bad input", () => {
  it.effect("unknown marketplace, category and region name the known ones", () =>
    Effect.gen(function*() {
      const marketplace = yield* failureOf({ csv: electronics, marketplace: "ebay", category: "electronics" })
      assert.deepStrictEqual([marketplace.reason, marketplace.message], ["UnknownMarketplace", 'unknown marketplace "ebay" (known: mercado_livre, amazon)'])
      const category = yield* failureOf({ csv: electronics, marketplace: "amazon", category: "toys" })
      assert.deepStrictEqual([category.reason, category.message], ["UnknownCategory", 'unknown category "toys" for amazon (known: books, electronics)'])
      const region = yield* failureOf({ csv: electronics, marketplace: "mercado_livre", category: "electronics", region: "us" })
      assert.deepStrictEqual([region.reason, region.message], ["UnknownRegion", 'unknown region "us" for mercado_livre (known: br, mx, ar, co, cl)'])
    }))

  it.effect("missing columns are listed with what was found", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ csv: books, marketplace: "mercado_livre", category: "electronics" })
      assert.strictEqual(error.reason, "MissingColumns")
      assert.strictEqual(error.message, "missing columns for mercado_livre/electronics: brand, condition (found: sku, title, author, price, stock, gtin)")
    }))

  it.effect("broken CSV names the line; header only; bad payload", () =>
    Effect.gen(function*() {
      const broken = yield* failureOf({ csv: "sku,title,author,price,stock,gtin\nBK-1,\"open,A,1,1,9780306406157\n", marketplace: "amazon", category: "books" })
      assert.deepStrictEqual([broken.reason, broken.line], ["InvalidCsv", 2])
      assert.strictEqual((yield* failureOf({ csv: "sku,title,author,price,stock,gtin\n", marketplace: "amazon", category: "books" })).reason, "EmptyInput")
      const payload = yield* failureOf({ csv: books, marketplace: "amazon" })
      assert.deepStrictEqual([payload.reason, payload.message], ["InvalidPayload", 'invalid catalog payload: Missing key at ["category"]'])
    }))

  it.effect("oversize input and invalid UTF-8", () =>
    Effect.gen(function*() {
      const big = yield* failureOf({ csv: "x".repeat(MAX_CATALOG_BYTES + 1), marketplace: "amazon", category: "books" })
      assert.strictEqual(big.reason, "OversizeInput")
      assert.strictEqual((yield* Effect.flip(decodeCatalogBytes(new Uint8Array(MAX_CATALOG_BYTES + 1)))).reason, "OversizeInput")
      const latin1 = yield* Effect.flip(decodeCatalogBytes(new Uint8Array([0x73, 0x6b, 0x75, 0x0a, 0xe0])))
      assert.deepStrictEqual([latin1.reason, latin1.message], ["InvalidEncoding", "unknown encoding: the CSV is not valid UTF-8"])
    }))
})
