/**
 * Text for the terminal renderer: one line per running job (progress bar, percent, message, key
 * metrics) and a final line for a finished one (✓ with its result, ✗ with its error).
 */
import type { JobMetricsView, JobView } from "./JobViewFold.js"
import type { ViewProblems } from "./JobViewState.js"

const barWidth = 20

export const progressBar = (percent: number): string => {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * barWidth)
  return `[${"█".repeat(filled)}${"░".repeat(barWidth - filled)}]`
}

const num = (n: number, digits: number) => Number.isInteger(n) ? String(n) : n.toFixed(digits)

export const metricsSummary = (m: JobMetricsView): string => {
  const parts: Array<string> = []
  if (m.epoch !== undefined) parts.push(`epoch ${m.epoch}/${m.totalEpochs ?? "?"}`)
  if (m.batchLoss !== undefined) parts.push(`loss ${num(m.batchLoss, 4)}`)
  if (m.batchAcc !== undefined) parts.push(`acc ${num(m.batchAcc, 3)}`)
  if (m.valAcc !== undefined) parts.push(`val_acc ${num(m.valAcc, 4)}`)
  if (m.bestValAcc !== undefined) parts.push(`best ${num(m.bestValAcc, 4)}`)
  if (m.samplesPerSec !== undefined) parts.push(`${Math.round(m.samplesPerSec)} samples/s`)
  if (m.step !== undefined) parts.push(`step ${m.step}/${m.totalSteps ?? "?"}`)
  if (m.loss !== undefined) parts.push(`loss ${num(m.loss, 4)}`)
  if (m.tokensPerSec !== undefined) parts.push(`${Math.round(m.tokensPerSec)} tok/s`)
  if (m.perplexity !== undefined) parts.push(`ppl ${num(m.perplexity, 2)}`)
  return parts.join(" ")
}

const padPercent = (p: number) => `${String(p).padStart(3)}%`

export const runningLine = (job: JobView): string => {
  const metrics = metricsSummary(job.metrics)
  return [`${job.domain}/${job.jobId}`, progressBar(job.progress), padPercent(job.progress), job.message ?? "", metrics === "" ? "" : `· ${metrics}`]
    .filter((part) => part !== "")
    .join("  ")
}

export const finalLine = (job: JobView): string => {
  const metrics = metricsSummary(job.metrics)
  const tail = metrics === "" ? "" : `  · ${metrics}`
  return job.status === "completed"
    ? `✓ ${job.domain}/${job.jobId}  completed  ${job.resultId ?? ""} (${job.resultBytes ?? 0} bytes)${tail}`
    : `✗ ${job.domain}/${job.jobId}  failed (${job.error?.kind ?? "?"}): ${job.error?.message ?? job.message ?? ""}${tail}`
}

export const problemsLine = (problems: ViewProblems): string => {
  const last = problems.recent.at(-1)
  return `! events not understood: ${problems.unknown} unknown, ${problems.malformed} malformed` +
    (last === undefined ? "" : ` (last on ${last.domain}: ${last.reason.split("\n")[0] ?? ""})`)
}

/** Cuts a line to the terminal's width (in code points; the bar glyphs are one column each). */
export const fitWidth = (line: string, columns: number | undefined): string => {
  if (columns === undefined || columns <= 1) return line
  const chars = [...line]
  return chars.length < columns ? line : `${chars.slice(0, columns - 2).join("")}…`
}
