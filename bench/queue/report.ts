/** Medians, spreads and the markdown tables the harness prints. */

export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: ReadonlyArray<number>
}

export const summarize = (runs: ReadonlyArray<number>): Summary => {
  const sorted = [...runs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid] ?? Number.NaN : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, runs }
}

/** 12,345 -> "12.3k"; small values keep their decimals. */
export const compact = (value: number, digits = 1): string =>
  !Number.isFinite(value) ? "-" : Math.abs(value) >= 1000 ? `${(value / 1000).toFixed(digits)}k` : value.toFixed(digits)

/** Median with the spread of the runs as ± half the range, in percent of the median. */
export const withSpread = (s: Summary, digits = 1): string => {
  const spread = s.median === 0 ? 0 : (100 * (s.max - s.min)) / 2 / s.median
  return `${compact(s.median, digits)} ±${spread.toFixed(0)}%`
}

export const ratio = (ours: number, theirs: number): string =>
  Number.isFinite(ours) && Number.isFinite(theirs) && theirs > 0 ? `${(ours / theirs).toFixed(2)}×` : "-"

export const markdownTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n")
