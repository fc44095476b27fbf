/** Calendar fields of an instant in a time zone. */
export interface LocalTime {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  /** `YYYY-MM-DD`, for grouping by day. */
  readonly date: string
}

const QUARTER_HOUR_MS = 15 * 60 * 1000

/**
 * Converts instants to local calendar fields with Intl. Results are cached per quarter hour, which is exact
 * because every current UTC offset is a whole number of quarter hours.
 */
export const makeLocalTime = (timeZone: string): ((epochMs: number) => LocalTime) => {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit"
  })
  const cache = new Map<number, LocalTime>()
  return (epochMs) => {
    const key = Math.floor(epochMs / QUARTER_HOUR_MS)
    const hit = cache.get(key)
    if (hit !== undefined) return hit
    const parts: Record<string, string> = {}
    for (const part of format.formatToParts(new Date(key * QUARTER_HOUR_MS))) parts[part.type] = part.value
    const year = Number(parts["year"])
    const month = Number(parts["month"])
    const day = Number(parts["day"])
    const local = { year, month, day, hour: Number(parts["hour"]), date: `${parts["year"]}-${parts["month"]}-${parts["day"]}` }
    cache.set(key, local)
    return local
  }
}
