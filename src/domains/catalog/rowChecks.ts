import { gtinProblem, isIsbn13 } from "./gtin.js"
import type { CategoryRules } from "./rules.js"

export type Severity = "error" | "warning"

/** One finding about one row: errors make the row invalid, warnings do not. */
export interface RowIssue {
  readonly line: number
  readonly sku: string | null
  readonly column: string | null
  readonly severity: Severity
  readonly code: string
  readonly message: string
}

/** A row's cells by column name (trimmed). */
export type RowCells = (column: string) => string

const price = /^\d+(?:\.\d{1,2})?$/
const wholeNumber = /^\d+$/

const gtinMessages = {
  not_digits: "must contain digits only",
  bad_length: "must have 8, 12, 13 or 14 digits",
  bad_check_digit: "has a wrong check digit"
} as const

/**
 * Checks one product row against the category rules, in column order: required values, title length, price,
 * stock, GTIN, condition. Duplicate SKUs are found across rows by the caller.
 */
export const checkRow = (line: number, cell: RowCells, rules: CategoryRules): Array<RowIssue> => {
  const sku = cell("sku") === "" ? null : cell("sku")
  const issues: Array<RowIssue> = []
  const add = (severity: Severity, column: string | null, code: string, detail: string) =>
    issues.push({ line, sku, column, severity, code, message: `line ${line}${column === null ? "" : `, ${column}`}: ${detail}` })

  for (const column of rules.requiredColumns) {
    if (cell(column) === "") add("error", column, "missing_value", "is required")
  }

  const title = cell("title")
  const titleLength = [...title].length
  if (titleLength > rules.titleMaxLength) add("error", "title", "title_too_long", `has ${titleLength} characters, at most ${rules.titleMaxLength} are allowed`)
  else if (title !== "" && titleLength < rules.titleRecommendedMinLength) {
    add("warning", "title", "title_short", `has ${titleLength} characters; titles under ${rules.titleRecommendedMinLength} rank poorly`)
  }

  const priceText = cell("price")
  if (priceText !== "") {
    if (!price.test(priceText)) add("error", "price", "price_format", `"${priceText}" is not a price (digits, optional "." and up to 2 decimals)`)
    else {
      const value = Number(priceText)
      if (value < rules.priceMin || value > rules.priceMax) add("error", "price", "price_range", `${priceText} is outside ${rules.priceMin}..${rules.priceMax}`)
    }
  }

  const stockText = cell("stock")
  if (stockText !== "") {
    if (!wholeNumber.test(stockText)) add("error", "stock", "stock_format", `"${stockText}" is not a whole number of units`)
    else if (Number(stockText) > rules.stockMax) add("error", "stock", "stock_range", `${stockText} is above the maximum of ${rules.stockMax}`)
    else if (Number(stockText) === 0) add("warning", "stock", "out_of_stock", "is 0: the listing will be paused")
  }

  const gtin = cell("gtin")
  if (gtin !== "") {
    const problem = gtinProblem(gtin)
    if (problem !== null) add("error", "gtin", "gtin_invalid", `"${gtin}" ${gtinMessages[problem]}`)
    else if (rules.gtinMustBeIsbn && !isIsbn13(gtin)) add("error", "gtin", "gtin_not_isbn", `"${gtin}" is not an ISBN-13 (978 or 979 prefix)`)
  } else if (rules.gtin === "recommended") {
    add("warning", "gtin", "gtin_missing", "is empty; listings with a GTIN are matched to the catalogue")
  }

  const condition = cell("condition")
  if (rules.conditions !== null && condition !== "" && !rules.conditions.includes(condition)) {
    add("error", "condition", "condition_invalid", `"${condition}" is not one of ${rules.conditions.join(", ")}`)
  }
  return issues
}
