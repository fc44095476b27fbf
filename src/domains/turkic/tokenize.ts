/** A corpus token: a word (letters and marks, joined by inner apostrophes or hyphens), a number or punctuation. */
export interface Token {
  readonly kind: "word" | "number" | "punct"
  readonly text: string
}

// Apostrophes seen in Turkic Latin orthographies: ' ’ ʼ ʻ (Uzbek oʻ, gʻ; Turkish suffixes as in Ankara'da).
const tokenPattern =
  /(?<word>[\p{L}\p{M}]+(?:['’ʼʻ-][\p{L}\p{M}]+)*)|(?<number>\p{N}+(?:[.,]\p{N}+)*)|(?<punct>[^\s\p{L}\p{M}\p{N}])/gu

/** Splits one line into tokens in reading order; whitespace separates and is dropped. */
export const tokenizeLine = (line: string): Array<Token> => {
  const tokens: Array<Token> = []
  for (const match of line.matchAll(tokenPattern)) {
    const groups = match.groups
    if (groups?.["word"] !== undefined) tokens.push({ kind: "word", text: groups["word"] })
    else if (groups?.["number"] !== undefined) tokens.push({ kind: "number", text: groups["number"] })
    else if (groups?.["punct"] !== undefined) tokens.push({ kind: "punct", text: groups["punct"] })
  }
  return tokens
}
