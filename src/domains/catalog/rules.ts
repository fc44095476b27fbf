import { Effect } from "effect"
import { CatalogError } from "./CatalogError.js"

/** Listing rules of one marketplace category. Prices are in the region's currency. */
export interface CategoryRules {
  readonly marketplace: string
  readonly category: string
  readonly regions: ReadonlyArray<string>
  /** Columns the header must have and every row must fill. */
  readonly requiredColumns: ReadonlyArray<string>
  readonly titleMaxLength: number
  /** Shorter titles are accepted with a warning: they rank poorly in marketplace search. */
  readonly titleRecommendedMinLength: number
  readonly priceMin: number
  readonly priceMax: number
  readonly stockMax: number
  /** required: column and value needed; recommended: a missing value is a warning; optional: checked only if given. */
  readonly gtin: "required" | "recommended" | "optional"
  readonly gtinMustBeIsbn: boolean
  /** Allowed values of the `condition` column, when the category has one. */
  readonly conditions: ReadonlyArray<string> | null
}

const mercadoLivreRegions = ["br", "mx", "ar", "co", "cl"]
const amazonRegions = ["us", "uk", "de", "br"]
const mercadoLivreConditions = ["new", "used", "refurbished"]

/** The rule table, keyed `marketplace/category`. */
export const categoryRules: ReadonlyArray<CategoryRules> = [
  {
    marketplace: "mercado_livre", category: "electronics", regions: mercadoLivreRegions,
    requiredColumns: ["sku", "title", "price", "stock", "brand", "gtin", "condition"],
    titleMaxLength: 60, titleRecommendedMinLength: 25, priceMin: 1, priceMax: 500_000, stockMax: 99_999,
    gtin: "required", gtinMustBeIsbn: false, conditions: mercadoLivreConditions
  },
  {
    marketplace: "mercado_livre", category: "home", regions: mercadoLivreRegions,
    requiredColumns: ["sku", "title", "price", "stock", "condition"],
    titleMaxLength: 60, titleRecommendedMinLength: 25, priceMin: 1, priceMax: 200_000, stockMax: 99_999,
    gtin: "recommended", gtinMustBeIsbn: false, conditions: mercadoLivreConditions
  },
  {
    marketplace: "amazon", category: "books", regions: amazonRegions,
    requiredColumns: ["sku", "title", "author", "price", "stock", "gtin"],
    titleMaxLength: 200, titleRecommendedMinLength: 3, priceMin: 0.5, priceMax: 10_000, stockMax: 999_999,
    gtin: "required", gtinMustBeIsbn: true, conditions: null
  },
  {
    marketplace: "amazon", category: "electronics", regions: amazonRegions,
    requiredColumns: ["sku", "title", "brand", "price", "stock", "gtin"],
    titleMaxLength: 200, titleRecommendedMinLength: 40, priceMin: 1, priceMax: 100_000, stockMax: 999_999,
    gtin: "required", gtinMustBeIsbn: false, conditions: null
  }
]

const unique = (values: ReadonlyArray<string>) => [...new Set(values)]

/** Which choice of a lookup is unknown: the payload field, the error reason and a message naming the known ones. */
export interface UnknownChoice {
  readonly field: "marketplace" | "category" | "region"
  readonly reason: "UnknownMarketplace" | "UnknownCategory" | "UnknownRegion"
  readonly message: string
}

/**
 * The rules for a marketplace, category and region, or the first of the three that is unknown.
 * Pure, so the payload schema refuses an unknown choice at enqueue with the same words the job uses.
 */
export const lookupRules = (
  marketplace: string,
  category: string,
  region: string | undefined
): { readonly rules: CategoryRules; readonly region: string } | UnknownChoice => {
  const ofMarketplace = categoryRules.filter((r) => r.marketplace === marketplace)
  if (ofMarketplace.length === 0) {
    return {
      field: "marketplace",
      reason: "UnknownMarketplace",
      message: `unknown marketplace "${marketplace}" (known: ${unique(categoryRules.map((r) => r.marketplace)).join(", ")})`
    }
  }
  const rules = ofMarketplace.find((r) => r.category === category)
  if (rules === undefined) {
    return {
      field: "category",
      reason: "UnknownCategory",
      message: `unknown category "${category}" for ${marketplace} (known: ${ofMarketplace.map((r) => r.category).join(", ")})`
    }
  }
  const chosen = region ?? rules.regions[0] ?? ""
  if (!rules.regions.includes(chosen)) {
    return {
      field: "region",
      reason: "UnknownRegion",
      message: `unknown region "${chosen}" for ${marketplace} (known: ${rules.regions.join(", ")})`
    }
  }
  return { rules, region: chosen }
}

/** Finds the rules for a marketplace, category and region, naming the known choices when one is unknown. */
export const findRules = (
  marketplace: string,
  category: string,
  region: string | undefined
): Effect.Effect<{ readonly rules: CategoryRules; readonly region: string }, CatalogError> => {
  const found = lookupRules(marketplace, category, region)
  return "field" in found
    ? Effect.fail(new CatalogError({ reason: found.reason, message: found.message }))
    : Effect.succeed(found)
}
