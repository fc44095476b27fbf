import type { TurkicLanguage } from "./Payload.js"

/**
 * Languages whose Latin orthography pairs dotted İ/i and dotless I/ı. Turkish and Azerbaijani by definition;
 * Kazakh too, because its 2021 Latin alphabet uses the same pair (Cyrillic text is unaffected by the rule).
 */
const dottedILanguages: ReadonlySet<TurkicLanguage> = new Set(["tr", "az", "kk"])

export const usesDottedI = (lang: TurkicLanguage): boolean => dottedILanguages.has(lang)

/** Lowercases with the language's rules: İ -> i and I -> ı where dotted I applies, default casing elsewhere. */
export const lowercaseFor = (lang: TurkicLanguage, text: string): string =>
  usesDottedI(lang) ? text.replaceAll("İ", "i").replaceAll("I", "ı").toLowerCase() : text.toLowerCase()
