/** When a failed attempt runs again: exponential backoff with ±20% jitter, capped at one hour. */
const maxDelayMs = 3_600_000

export const retryDelayMs = (attempt: number, baseMs: number, random: () => number = Math.random): number => {
  const exponential = Math.min(maxDelayMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exponential * (0.8 + 0.4 * random()))
}
