import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { parseCsvTable } from "../../src/domains/shared/csv.js"
import { decodeCovenantCsvBytes, decodeCovenantPayload, MAX_CSV_BYTES } from "../../src/domains/covenant/Payload.js"
import { covenantCsv, covenantJsonBytes, monitorCovenants, reportCsvHeader } from "../../src/domains/covenant/report.js"

const deals = readFileSync(new URL("../fixtures/covenant/deals.csv", import.meta.url), "utf8")
const header = deals.split("\n")[0] ?? ""

const reportOf = (payload: unknown) => Effect.flatMap(decodeCovenantPayload(payload), (p) => monitorCovenants(p))
const failureOf = (payload: unknown) =>
  Effect.map(Effect.flip(reportOf(payload)), (e) => ({ reason: e.reason, line: e.line, column: e.column, message: e.message }))

describe("covenant: report on the fixture", () => {
  it.effect("ratios, verdicts and totals match the hand calculation (10% headroom)", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const payload = yield* decodeCovenantPayload({ csv: deals })
      const report = yield* monitorCovenants(payload, (done, total) => Effect.sync(() => seen.push(`${done}/${total}`)))
      assert.strictEqual(seen.at(-1), "7/7")
      assert.strictEqual(seen.length, 7)
      assert.deepStrictEqual([report.rows, report.deals, report.pass, report.nearBreach, report.breach], [7, 4, 3, 2, 2])
      const byKey = new Map(report.results.map((r) => [`${r.dealId} ${r.quarter}`, r]))
      const row = (key: string) => byKey.get(key)
      assert.deepStrictEqual(report.results.map((r) => `${r.dealId} ${r.quarter} ${r.status}`), [
        "D-100 2024Q1 pass", "D-100 2024Q2 near_breach", "D-100 2024Q3 breach",
        "D-200 2024Q1 breach", "D-200 2024Q2 pass", "D-300 2024Q1 pass", "D-400 2024Q4 near_breach"
      ])
      // D-100 Q2: leverage 3.3 above 3.5 * 0.9, coverage 4.0 clear of 3.3, current ratio 1.3 below 1.2 * 1.1
      assert.deepStrictEqual(
        [row("D-100 2024Q2")?.leverage.value, row("D-100 2024Q2")?.leverage.status, row("D-100 2024Q2")?.interestCoverage.status, row("D-100 2024Q2")?.currentRatio.status],
        [3.3, "near_breach", "pass", "near_breach"]
      )
      // D-100 Q3: all three tests breached
      assert.deepStrictEqual([row("D-100 2024Q3")?.leverage.value, row("D-100 2024Q3")?.interestCoverage.value, row("D-100 2024Q3")?.currentRatio.value], [4, 2.5, 1.1])
      // D-200 Q1: EBITDA negative -> leverage undefined and breached; no current liabilities -> unbounded, passes
      const negative = row("D-200 2024Q1")
      assert.deepStrictEqual([negative?.leverage.value, negative?.leverage.status], [null, "breach"])
      assert.deepStrictEqual([negative?.interestCoverage.value, negative?.interestCoverage.status], [-0.6667, "breach"])
      assert.deepStrictEqual([negative?.currentRatio.value, negative?.currentRatio.status], [null, "pass"])
      // D-200 Q2: no debt and no interest: leverage 0, coverage unbounded
      const zero = row("D-200 2024Q2")
      assert.deepStrictEqual([zero?.leverage.value, zero?.interestCoverage.value, zero?.interestCoverage.note], [0, null, "no interest expense: coverage is unbounded"])
      // D-300: empty thresholds mean no such covenant
      const open = row("D-300 2024Q1")
      assert.deepStrictEqual([open?.leverage.status, open?.leverage.value, open?.currentRatio.value, open?.currentRatio.status], ["not_applicable", 2.5, 1.0526, "not_applicable"])
      // D-400: exactly at every limit passes the covenant but sits inside the headroom
      const edge = row("D-400 2024Q4")
      assert.deepStrictEqual([edge?.leverage.status, edge?.interestCoverage.status, edge?.currentRatio.status], ["near_breach", "near_breach", "near_breach"])
      assert.deepStrictEqual(report.dealSummaries.map((d) => [d.dealId, d.quarters, d.latestQuarter, d.latestStatus, d.breachQuarters]), [
        ["D-100", 3, "2024Q3", "breach", ["2024Q3"]],
        ["D-200", 2, "2024Q2", "pass", ["2024Q1"]],
        ["D-300", 1, "2024Q1", "pass", []],
        ["D-400", 1, "2024Q4", "near_breach", []]
      ])
    }))

  it.effect("a failing progress reporter stops the report with its own error", () =>
    Effect.gen(function*() {
      const payload = yield* decodeCovenantPayload({ csv: deals })
      const error = yield* Effect.flip(monitorCovenants(payload, (done) => (done === 3 ? Effect.fail(`stopped at ${done}`) : Effect.void)))
      assert.strictEqual(error, "stopped at 3")
    }))

  it.effect("zero headroom flags nothing as near-breach", () =>
    Effect.gen(function*() {
      const report = yield* reportOf({ csv: deals, headroom: 0 })
      assert.deepStrictEqual([report.pass, report.nearBreach, report.breach], [5, 0, 2])
    }))

  it.effect("CSV and JSON outputs: parseable, one row per deal-quarter, notes explain empty ratios", () =>
    Effect.gen(function*() {
      const report = yield* reportOf({ csv: deals })
      const table = yield* parseCsvTable(covenantCsv(report))
      assert.deepStrictEqual(table.header, [...reportCsvHeader])
      assert.strictEqual(table.rows.length, 7)
      assert.deepStrictEqual(table.rows[3]?.fields, [
        "D-200", "Borealis Shipping", "2024Q1", "", "4", "breach", "-0.6667", "2", "breach", "", "1", "pass", "breach",
        "EBITDA is not positive: leverage is undefined; no current liabilities: current ratio is unbounded"
      ])
      assert.strictEqual(table.rows[0]?.fields[1], "Acme Tools, Inc.")
      const json = JSON.parse(new TextDecoder().decode(covenantJsonBytes(report)))
      assert.strictEqual(json.breach, 2)
    }))
})

describe("covenant: bad input", () => {
  it.effect("missing columns are listed", () =>
    Effect.gen(function*() {
      const csv = "deal_id,borrower,quarter,debt,ebitda\nD-1,A,2024Q1,1,1\n"
      const error = yield* failureOf({ csv })
      assert.strictEqual(error.reason, "MissingColumns")
      assert.include(error.message, "missing columns: total_debt, interest_expense, current_assets")
    }))

  it.effect("a non-numeric cell names its line and column", () =>
    Effect.gen(function*() {
      const csv = `${header}\nD-1,A,2024Q1,1000,12k,10,5,5,3,2,1\n`
      const error = yield* failureOf({ csv })
      assert.deepStrictEqual([error.reason, error.line, error.column], ["InvalidCell", 2, "ebitda"])
      assert.strictEqual(error.message, 'line 2, column ebitda: "12k" is not a number')
    }))

  it.effect("empty required cells, negative debt and bad quarters are rejected with their place", () =>
    Effect.gen(function*() {
      const empty = yield* failureOf({ csv: `${header}\nD-1,A,2024Q1,1000,100,10,5,5,3,2,1\nD-1,A,2024Q2,,100,10,5,5,3,2,1\n` })
      assert.deepStrictEqual([empty.line, empty.column, empty.message], [3, "total_debt", "line 3, column total_debt: is empty"])
      const negative = yield* failureOf({ csv: `${header}\nD-1,A,2024Q1,-5,100,10,5,5,3,2,1\n` })
      assert.include(negative.message, "-5 must not be negative")
      const quarter = yield* failureOf({ csv: `${header}\nD-1,A,Q1 2024,5,100,10,5,5,3,2,1\n` })
      assert.deepStrictEqual([quarter.column, quarter.message], ["quarter", 'line 2, column quarter: "Q1 2024" is not a quarter like 2024Q1'])
    }))

  it.effect("a repeated deal-quarter names both lines", () =>
    Effect.gen(function*() {
      const csv = `${header}\nD-1,A,2024Q1,5,100,10,5,5,3,2,1\nD-1,A,2024-q1,5,100,10,5,5,3,2,1\n`
      const error = yield* failureOf({ csv })
      assert.deepStrictEqual([error.reason, error.message], ["DuplicateRow", "line 3: deal D-1 2024Q1 already appears on line 2"])
    }))

  it.effect("broken CSV, header only, bad headroom", () =>
    Effect.gen(function*() {
      const broken = yield* failureOf({ csv: `${header}\nD-1,"A,2024Q1,5,100,10,5,5,3,2,1\n` })
      assert.deepStrictEqual([broken.reason, broken.line], ["InvalidCsv", 2])
      const short = yield* failureOf({ csv: `${header}\nD-1,A,2024Q1\n` })
      assert.deepStrictEqual([short.reason, short.line], ["InvalidCsv", 2])
      assert.strictEqual((yield* failureOf({ csv: `${header}\n` })).reason, "EmptyInput")
      const headroom = yield* failureOf({ csv: deals, headroom: 1.5 })
      assert.strictEqual(headroom.reason, "InvalidPayload")
      assert.include(headroom.message, '["headroom"]')
    }))

  it.effect("oversize input and invalid UTF-8", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failureOf({ csv: header + "\n" + "x".repeat(MAX_CSV_BYTES) })).reason, "OversizeInput")
      assert.strictEqual((yield* Effect.flip(decodeCovenantCsvBytes(new Uint8Array(MAX_CSV_BYTES + 1)))).reason, "OversizeInput")
      const latin1 = yield* Effect.flip(decodeCovenantCsvBytes(new Uint8Array([0x64, 0x65, 0x61, 0x6c, 0xe9])))
      assert.deepStrictEqual([latin1.reason, latin1.message], ["InvalidEncoding", "unknown encoding: the CSV is not valid UTF-8"])
    }))
})
