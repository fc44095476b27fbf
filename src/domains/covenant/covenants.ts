import type { FinancialRow } from "./rows.js"

export type TestStatus = "pass" | "near_breach" | "breach" | "not_applicable"

/** One covenant test: the ratio (null when it is undefined or unbounded), its threshold and the verdict. */
export interface CovenantTest {
  readonly value: number | null
  readonly threshold: number | null
  readonly status: TestStatus
  readonly note: string | null
}

const severity: Record<TestStatus, number> = { not_applicable: 0, pass: 1, near_breach: 2, breach: 3 }

/** The worst of several verdicts (breach over near-breach over pass); all not applicable stays not applicable. */
export const worstStatus = (statuses: ReadonlyArray<TestStatus>): TestStatus =>
  statuses.reduce<TestStatus>((worst, s) => (severity[s] > severity[worst] ? s : worst), "not_applicable")

const round4 = (n: number) => Math.round(n * 10_000) / 10_000

// A ceiling (max) test passes at or below the limit and is near-breach above limit * (1 - headroom).
const ceilingStatus = (value: number, limit: number, headroom: number): TestStatus =>
  value > limit ? "breach" : value > limit * (1 - headroom) ? "near_breach" : "pass"

// A floor (min) test passes at or above the limit and is near-breach below limit * (1 + headroom).
const floorStatus = (value: number, limit: number, headroom: number): TestStatus =>
  value < limit ? "breach" : value < limit * (1 + headroom) ? "near_breach" : "pass"

/**
 * Leverage = total debt / EBITDA, tested against max_leverage. With no debt leverage is 0. With debt and EBITDA
 * at or below zero the ratio is undefined (null) and counts as a breach: no positive earnings cover the debt.
 */
export const leverageTest = (row: FinancialRow, headroom: number): CovenantTest => {
  const limit = row.maxLeverage
  if (row.totalDebt === 0) {
    return { value: 0, threshold: limit, status: limit === null ? "not_applicable" : "pass", note: null }
  }
  if (row.ebitda <= 0) {
    return {
      value: null,
      threshold: limit,
      status: limit === null ? "not_applicable" : "breach",
      note: "EBITDA is not positive: leverage is undefined"
    }
  }
  const value = row.totalDebt / row.ebitda
  return { value: round4(value), threshold: limit, status: limit === null ? "not_applicable" : ceilingStatus(value, limit, headroom), note: null }
}

/**
 * Interest coverage = EBITDA / interest expense, tested against min_interest_coverage. With no interest expense
 * coverage is unbounded (null) and passes; negative EBITDA gives a negative coverage, a breach of any floor.
 */
export const interestCoverageTest = (row: FinancialRow, headroom: number): CovenantTest => {
  const limit = row.minInterestCoverage
  if (row.interestExpense === 0) {
    return { value: null, threshold: limit, status: limit === null ? "not_applicable" : "pass", note: "no interest expense: coverage is unbounded" }
  }
  const value = row.ebitda / row.interestExpense
  return { value: round4(value), threshold: limit, status: limit === null ? "not_applicable" : floorStatus(value, limit, headroom), note: null }
}

/** Current ratio = current assets / current liabilities; with no current liabilities it is unbounded and passes. */
export const currentRatioTest = (row: FinancialRow, headroom: number): CovenantTest => {
  const limit = row.minCurrentRatio
  if (row.currentLiabilities === 0) {
    return { value: null, threshold: limit, status: limit === null ? "not_applicable" : "pass", note: "no current liabilities: current ratio is unbounded" }
  }
  const value = row.currentAssets / row.currentLiabilities
  return { value: round4(value), threshold: limit, status: limit === null ? "not_applicable" : floorStatus(value, limit, headroom), note: null }
}
