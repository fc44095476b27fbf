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

/** Finds the rules for a marketplace, category and region, naming the known choices when one is unknown. */
export const findRules = (
  marketplace: string,
  category: string,
  region: string | undefined
): Effect.Effect<{ readonly rules: CategoryRules; readonly region: string }, CatalogError> => {
  const ofMarketplace = categoryRules.filter((r) => r.marketplace === marketplace)
  if (ofMarketplace.length === 0) {
    return Effect.fail(new CatalogError({
      reason: "UnknownMarketplace",
      message: `unknown marketplace "${marketplace}" (known: ${unique(categoryRules.map((r) => r.marketplace)).join(", ")})`
    }))
  }
  const rules = ofMarketplace.find((r) => r.category === category)
  if (rules === undefined) {
    return Effect.fail(new CatalogError({
      reason: "UnknownCategory",
      message: `unknown category "${category}" for ${marketplace} (known: ${ofMarketplace.map((r) => r.category).join(", ")})`
    }))
  }
  const chosen = region ?? rules.regions[0] ?? ""
  if (!rules.regions.includes(chosen)) {
    return Effect.fail(new CatalogError({
      reason: "UnknownRegion",
      message: `unknown region "${chosen}" for ${marketplace} (known: ${rules.regions.join(", ")})`
    }))
  }
  return Effect.succeed({ rules, region: chosen })
}
