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
      const row = readRow(record, index)
      if (row instanceof CovenantError) return yield* row
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

// Plain synchronous code with module-level helpers: this runs once per row, where an Effect per cell, or even
// closures created per row, would dominate the cost.
const cellOf = (record: CsvRecord, index: ReadonlyMap<string, number>, column: Column): string =>
  (record.fields[index.get(column) ?? -1] ?? "").trim()

const textCell = (record: CsvRecord, index: ReadonlyMap<string, number>, column: Column): string | CovenantError => {
  const value = cellOf(record, index, column)
  return value === "" ? cellError(record.line, column, "is empty") : value
}

const numberCell = (
  record: CsvRecord,
  index: ReadonlyMap<string, number>,
  column: Column,
  allowNegative: boolean
): number | CovenantError => {
  const value = textCell(record, index, column)
  if (typeof value !== "string") return value
  if (!decimal.test(value)) return cellError(record.line, column, `"${value}" is not a number`)
  const n = Number(value)
  if (!Number.isFinite(n)) return cellError(record.line, column, `"${value}" is out of range`)
  if (!allowNegative && n < 0) return cellError(record.line, column, `${value} must not be negative`)
  return n
}

// An empty threshold cell means the deal has no such covenant.
const thresholdCell = (record: CsvRecord, index: ReadonlyMap<string, number>, column: Column): number | null | CovenantError =>
  cellOf(record, index, column) === "" ? null : numberCell(record, index, column, false)

const readRow = (record: CsvRecord, index: ReadonlyMap<string, number>): FinancialRow | CovenantError => {
  const dealId = textCell(record, index, "deal_id")
  if (typeof dealId !== "string") return dealId
  const borrower = textCell(record, index, "borrower")
  if (typeof borrower !== "string") return borrower
  const quarterText = textCell(record, index, "quarter")
  if (typeof quarterText !== "string") return quarterText
  const quarter = quarterPattern.exec(quarterText)
  if (quarter === null) return cellError(record.line, "quarter", `"${quarterText}" is not a quarter like 2024Q1`)
  const totalDebt = numberCell(record, index, "total_debt", false)
  if (typeof totalDebt !== "number") return totalDebt
  const ebitda = numberCell(record, index, "ebitda", true)
  if (typeof ebitda !== "number") return ebitda
  const interestExpense = numberCell(record, index, "interest_expense", false)
  if (typeof interestExpense !== "number") return interestExpense
  const currentAssets = numberCell(record, index, "current_assets", false)
  if (typeof currentAssets !== "number") return currentAssets
  const currentLiabilities = numberCell(record, index, "current_liabilities", false)
  if (typeof currentLiabilities !== "number") return currentLiabilities
  const maxLeverage = thresholdCell(record, index, "max_leverage")
  if (maxLeverage instanceof CovenantError) return maxLeverage
  const minInterestCoverage = thresholdCell(record, index, "min_interest_coverage")
  if (minInterestCoverage instanceof CovenantError) return minInterestCoverage
  const minCurrentRatio = thresholdCell(record, index, "min_current_ratio")
  if (minCurrentRatio instanceof CovenantError) return minCurrentRatio
  return {
    line: record.line, dealId, borrower, quarter: `${quarter[1]}Q${quarter[2]}`, totalDebt, ebitda, interestExpense,
    currentAssets, currentLiabilities, maxLeverage, minInterestCoverage, minCurrentRatio
  }
}
