/** Why a GTIN is rejected, or null when it is valid. */
export type GtinProblem = "not_digits" | "bad_length" | "bad_check_digit"

/**
 * GS1 check for GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN, ISBN-13) and GTIN-14: weights 3 and 1 alternate from the
 * digit next to the check digit; the check digit brings the weighted sum to a multiple of 10.
 */
export const gtinProblem = (code: string): GtinProblem | null => {
  if (!/^\d+$/.test(code)) return "not_digits"
  if (![8, 12, 13, 14].includes(code.length)) return "bad_length"
  let sum = 0
  for (let i = code.length - 2, weight = 3; i >= 0; i--, weight = 4 - weight) sum += Number(code[i]) * weight
  return (10 - (sum % 10)) % 10 === Number(code.at(-1)) ? null : "bad_check_digit"
}

/** A GTIN-13 in the Bookland ranges 978/979, i.e. an ISBN-13. */
export const isIsbn13 = (code: string): boolean => code.length === 13 && (code.startsWith("978") || code.startsWith("979"))
