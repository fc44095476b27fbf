import { Effect } from "effect"
import { type CsvCell, formatCsv } from "../shared/csv.js"
import { CovenantError } from "./CovenantError.js"
import {
  type CovenantTest,
  currentRatioTest,
  interestCoverageTest,
  leverageTest,
  type TestStatus,
  worstStatus
} from "./covenants.js"
import { DEFAULT_HEADROOM, MAX_CSV_BYTES, type CovenantPayload } from "./Payload.js"
import { readFinancialRows } from "./rows.js"

/** Reports rows done out of the total; the job passes its progress reporter here. */
export type OnProgress<E = never, R = never> = (done: number, total: number) => Effect.Effect<void, E, R>

export interface QuarterResult {
  readonly dealId: string
  readonly borrower: string
  readonly quarter: string
  readonly line: number
  readonly leverage: CovenantTest
  readonly interestCoverage: CovenantTest
  readonly currentRatio: CovenantTest
  readonly status: TestStatus
}

export interface DealSummary {
  readonly dealId: string
  readonly borrower: string
  readonly quarters: number
  readonly latestQuarter: string
  readonly latestStatus: TestStatus
  readonly breachQuarters: ReadonlyArray<string>
}

export interface CovenantReport {
  readonly headroom: number
  readonly rows: number
  readonly deals: number
  readonly pass: number
  readonly nearBreach: number
  readonly breach: number
  readonly results: ReadonlyArray<QuarterResult>
  readonly dealSummaries: ReadonlyArray<DealSummary>
}

const byDealThenQuarter = (a: QuarterResult, b: QuarterResult) =>
  a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : a.quarter < b.quarter ? -1 : a.quarter > b.quarter ? 1 : 0

const summarizeDeals = (results: ReadonlyArray<QuarterResult>): Array<DealSummary> => {
  const byDeal = new Map<string, Array<QuarterResult>>()
  for (const r of results) {
    const quarters = byDeal.get(r.dealId)
    if (quarters === undefined) byDeal.set(r.dealId, [r])
    else quarters.push(r)
  }
  return [...byDeal.values()].flatMap((quarters) => {
    const latest = quarters.at(-1)
    if (latest === undefined) return []
    return [{
      dealId: latest.dealId,
      borrower: latest.borrower,
      quarters: quarters.length,
      latestQuarter: latest.quarter,
      latestStatus: latest.status,
      breachQuarters: quarters.filter((q) => q.status === "breach").map((q) => q.quarter)
    }]
  })
}

/** Tests every deal-quarter against its covenants; results are ordered by deal id, then quarter. */
export const monitorCovenants = <E = never, R = never>(
  payload: CovenantPayload,
  onProgress?: OnProgress<E, R>
): Effect.Effect<CovenantReport, CovenantError | E, R> =>
  Effect.gen(function*() {
    const bytes = new TextEncoder().encode(payload.csv).length
    if (bytes > MAX_CSV_BYTES) {
      return yield* new CovenantError({ reason: "OversizeInput", message: `CSV is ${bytes} bytes, the limit is ${MAX_CSV_BYTES} bytes` })
    }
    const headroom = payload.headroom ?? DEFAULT_HEADROOM
    const rows = yield* readFinancialRows(payload.csv)
    const step = Math.max(1, Math.ceil(rows.length / 100))
    const results: Array<QuarterResult> = []
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]
      if (row === undefined) continue
      const leverage = leverageTest(row, headroom)
      const interestCoverage = interestCoverageTest(row, headroom)
      const currentRatio = currentRatioTest(row, headroom)
      results.push({
        dealId: row.dealId,
        borrower: row.borrower,
        quarter: row.quarter,
        line: row.line,
        leverage,
        interestCoverage,
        currentRatio,
        status: worstStatus([leverage.status, interestCoverage.status, currentRatio.status])
      })
      if (onProgress !== undefined && ((i + 1) % step === 0 || i + 1 === rows.length)) yield* onProgress(i + 1, rows.length)
    }
    results.sort(byDealThenQuarter)
    const dealSummaries = summarizeDeals(results)
    const count = (status: TestStatus) => results.filter((r) => r.status === status).length
    return {
      headroom,
      rows: results.length,
      deals: dealSummaries.length,
      pass: count("pass"),
      nearBreach: count("near_breach"),
      breach: count("breach"),
      results,
      dealSummaries
    }
  })

export const reportCsvHeader = [
  "deal_id", "borrower", "quarter", "leverage", "max_leverage", "leverage_status", "interest_coverage",
  "min_interest_coverage", "interest_coverage_status", "current_ratio", "min_current_ratio", "current_ratio_status",
  "status", "notes"
] as const

const testCells = (test: CovenantTest): Array<CsvCell> => [test.value, test.threshold, test.status]

/** The report as CSV, one row per deal-quarter; unbounded or undefined ratios are empty cells, explained in notes. */
export const covenantCsv = (report: CovenantReport): string =>
  formatCsv([
    [...reportCsvHeader],
    ...report.results.map((r) => [
      r.dealId,
      r.borrower,
      r.quarter,
      ...testCells(r.leverage),
      ...testCells(r.interestCoverage),
      ...testCells(r.currentRatio),
      r.status,
      [r.leverage.note, r.interestCoverage.note, r.currentRatio.note].filter((n) => n !== null).join("; ")
    ])
  ])

export const covenantCsvBytes = (report: CovenantReport): Uint8Array => new TextEncoder().encode(covenantCsv(report))

export const covenantJsonBytes = (report: CovenantReport): Uint8Array => new TextEncoder().encode(JSON.stringify(report))
