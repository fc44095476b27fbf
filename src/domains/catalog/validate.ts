import { Effect } from "effect"
import { type CsvCell, formatCsv, parseCsvTable } from "../shared/csv.js"
import { CatalogError } from "./CatalogError.js"
import { type CatalogPayload, MAX_CATALOG_BYTES } from "./Payload.js"
import { checkRow, type RowIssue } from "./rowChecks.js"
import { findRules } from "./rules.js"

/** Reports rows done out of the total; the job passes its progress reporter here. */
export type OnProgress<E = never, R = never> = (done: number, total: number) => Effect.Effect<void, E, R>

/**
 * Validation result. valid_rows + error_rows = total_rows; warning_rows counts rows with at least one warning,
 * valid or not. payload_bytes is the UTF-8 size of the CSV.
 */
export interface CatalogReport {
  readonly marketplace: string
  readonly category: string
  readonly region: string
  readonly total_rows: number
  readonly valid_rows: number
  readonly error_rows: number
  readonly warning_rows: number
  readonly payload_bytes: number
  readonly ignored_columns: ReadonlyArray<string>
  /** Issues in row order, then in the order the checks run. */
  readonly issues: ReadonlyArray<RowIssue>
}

/** Validates a product CSV against the rules of its marketplace category, row by row. */
export const validateCatalog = <E = never, R = never>(
  payload: CatalogPayload,
  onProgress?: OnProgress<E, R>
): Effect.Effect<CatalogReport, CatalogError | E, R> =>
  Effect.gen(function*() {
    const { rules, region } = yield* findRules(payload.marketplace, payload.category, payload.region)
    const payloadBytes = new TextEncoder().encode(payload.csv).length
    if (payloadBytes > MAX_CATALOG_BYTES) {
      return yield* new CatalogError({ reason: "OversizeInput", message: `CSV is ${payloadBytes} bytes, the limit is ${MAX_CATALOG_BYTES} bytes` })
    }
    const table = yield* parseCsvTable(payload.csv).pipe(
      Effect.mapError((e) => new CatalogError({ reason: "InvalidCsv", line: e.line, message: e.message }))
    )
    const missing = rules.requiredColumns.filter((c) => !table.header.includes(c))
    if (missing.length > 0) {
      return yield* new CatalogError({
        reason: "MissingColumns",
        line: 1,
        message: `missing column${missing.length > 1 ? "s" : ""} for ${rules.marketplace}/${rules.category}: ${missing.join(", ")} (found: ${table.header.join(", ")})`
      })
    }
    if (table.rows.length === 0) return yield* new CatalogError({ reason: "EmptyInput", message: "the CSV has a header but no products" })
    const known = new Set([...rules.requiredColumns, "gtin", "condition"])
    const index = new Map(table.header.map((name, i) => [name, i] as const))
    const firstLineOfSku = new Map<string, number>()
    const issues: Array<RowIssue> = []
    let errorRows = 0, warningRows = 0
    const step = Math.max(1, Math.ceil(table.rows.length / 100))
    for (let i = 0; i < table.rows.length; i++) {
      const row = table.rows[i]
      if (row === undefined) continue
      const cell = (column: string) => {
        const at = index.get(column)
        return at === undefined ? "" : (row.fields[at] ?? "").trim()
      }
      const rowIssues = checkRow(row.line, cell, rules)
      const sku = cell("sku")
      const first = firstLineOfSku.get(sku)
      if (sku !== "" && first !== undefined) {
        rowIssues.push({ line: row.line, sku, column: "sku", severity: "error", code: "duplicate_sku", message: `line ${row.line}, sku: "${sku}" already used on line ${first}` })
      } else if (sku !== "") firstLineOfSku.set(sku, row.line)
      if (rowIssues.some((issue) => issue.severity === "error")) errorRows++
      if (rowIssues.some((issue) => issue.severity === "warning")) warningRows++
      issues.push(...rowIssues)
      if (onProgress !== undefined && ((i + 1) % step === 0 || i + 1 === table.rows.length)) yield* onProgress(i + 1, table.rows.length)
    }
    return {
      marketplace: rules.marketplace,
      category: rules.category,
      region,
      total_rows: table.rows.length,
      valid_rows: table.rows.length - errorRows,
      error_rows: errorRows,
      warning_rows: warningRows,
      payload_bytes: payloadBytes,
      ignored_columns: table.header.filter((c) => !known.has(c)),
      issues
    }
  })

export const issuesCsvHeader = ["line", "sku", "severity", "column", "code", "message"] as const

/** Issues as CSV, one per line, for spreadsheet users. */
export const issuesCsv = (report: CatalogReport): string =>
  formatCsv([
    [...issuesCsvHeader],
    ...report.issues.map((i): Array<CsvCell> => [i.line, i.sku, i.severity, i.column, i.code, i.message])
  ])

export const catalogJsonBytes = (report: CatalogReport): Uint8Array => new TextEncoder().encode(JSON.stringify(report))

export const issuesCsvBytes = (report: CatalogReport): Uint8Array => new TextEncoder().encode(issuesCsv(report))
