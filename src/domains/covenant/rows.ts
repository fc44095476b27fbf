import { Effect } from "effect"
import { type CsvRecord, parseCsvTable } from "../shared/csv.js"
import { CovenantError } from "./CovenantError.js"

export const requiredColumns = [
  "deal_id", "borrower", "quarter", "total_debt", "ebitda", "interest_expense", "current_assets",
  "current_liabilities", "max_leverage", "min_interest_coverage", "min_current_ratio"
] as const

/** One deal-quarter of financials. A threshold is null when its cell is empty (the deal has no such covenant). */
export interface FinancialRow {
  readonly line: number
  readonly dealId: string
  readonly borrower: string
  readonly quarter: string
  readonly totalDebt: number
  readonly ebitda: number
  readonly interestExpense: number
  readonly currentAssets: number
  readonly currentLiabilities: number
  readonly maxLeverage: number | null
  readonly minInterestCoverage: number | null
  readonly minCurrentRatio: number | null
}

type Column = (typeof requiredColumns)[number]

const decimal = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const quarterPattern = /^(\d{4})-?Q([1-4])$/i

const cellError = (line: number, column: string, detail: string) =>
  new CovenantError({ reason: "InvalidCell", line, column, message: `line ${line}, column ${column}: ${detail}` })

/** Reads typed rows from the CSV, failing on the first missing column, bad cell or repeated deal-quarter. */
export const readFinancialRows = (csv: string): Effect.Effect<Array<FinancialRow>, CovenantError> =>
  Effect.gen(function*() {
    const table = yield* parseCsvTable(csv).pipe(
      Effect.mapError((e) => new CovenantError({ reason: "InvalidCsv", line: e.line, message: e.message }))
    )
    const missing = requiredColumns.filter((c) => !table.header.includes(c))
    if (missing.length > 0) {
      return yield* new CovenantError({
        reason: "MissingColumns",
        line: 1,
        message: `missing column${missing.length > 1 ? "s" : ""}: ${missing.join(", ")} (found: ${table.header.join(", ")})`
      })
    }
    if (table.rows.length === 0) return yield* new CovenantError({ reason: "EmptyInput", message: "the CSV has a header but no rows" })
    const index = new Map(table.header.map((name, i) => [name, i] as const))
    const rows: Array<FinancialRow> = []
    const seen = new Map<string, number>()
    for (const record of table.rows) {
      const row = yield* readRow(record, index)
      const key = `${row.dealId}\u0000${row.quarter}`
      const first = seen.get(key)
      if (first !== undefined) {
        return yield* new CovenantError({
          reason: "DuplicateRow",
          line: row.line,
          message: `line ${row.line}: deal ${row.dealId} ${row.quarter} already appears on line ${first}`
        })
      }
      seen.set(key, row.line)
      rows.push(row)
    }
    return rows
  })

const readRow = (record: CsvRecord, index: ReadonlyMap<string, number>): Effect.Effect<FinancialRow, CovenantError> =>
  Effect.gen(function*() {
    const line = record.line
    const cell = (column: Column) => (record.fields[index.get(column) ?? -1] ?? "").trim()
    const text = (column: Column) => {
      const value = cell(column)
      return value === "" ? Effect.fail(cellError(line, column, "is empty")) : Effect.succeed(value)
    }
    const number = (column: Column, allowNegative: boolean) =>
      Effect.flatMap(text(column), (value) => {
        if (!decimal.test(value)) return Effect.fail(cellError(line, column, `"${value}" is not a number`))
        const n = Number(value)
        if (!Number.isFinite(n)) return Effect.fail(cellError(line, column, `"${value}" is out of range`))
        if (!allowNegative && n < 0) return Effect.fail(cellError(line, column, `${value} must not be negative`))
        return Effect.succeed(n)
      })
    const threshold = (column: Column) => (cell(column) === "" ? Effect.succeed(null) : number(column, false))
    const dealId = yield* text("deal_id")
    const borrower = yield* text("borrower")
    const quarterText = yield* text("quarter")
    const quarter = quarterPattern.exec(quarterText)
    if (quarter === null) return yield* cellError(line, "quarter", `"${quarterText}" is not a quarter like 2024Q1`)
    return {
      line,
      dealId,
      borrower,
      quarter: `${quarter[1]}Q${quarter[2]}`,
      totalDebt: yield* number("total_debt", false),
      ebitda: yield* number("ebitda", true),
      interestExpense: yield* number("interest_expense", false),
      currentAssets: yield* number("current_assets", false),
      currentLiabilities: yield* number("current_liabilities", false),
      maxLeverage: yield* threshold("max_leverage"),
      minInterestCoverage: yield* threshold("min_interest_coverage"),
      minCurrentRatio: yield* threshold("min_current_ratio")
    }
  })
