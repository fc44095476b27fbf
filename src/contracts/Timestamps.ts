/**
 * Timestamps as seed 000's Python side writes and reads them. The runtime writes the form of
 * `datetime.isoformat(timespec="microseconds")` for UTC (`2026-12-07T07:39:33.731000+00:00`): a
 * trailing `Z` is refused by `datetime.fromisoformat` before Python 3.11. It reads every form
 * `parse_datetime_field` (that is, `datetime.fromisoformat` of Python 3.11) accepts, by the same
 * grammar as CPython's parser; a time without an offset is read as UTC, as the seed's writers wrote UTC.
 */
const pad = (value: number, width: number): string => String(value).padStart(width, "0")

/** `YYYY-MM-DDTHH:MM:SS.ffffff+00:00` for an epoch-ms time (microseconds are the ms times 1000). */
export const formatTimestamp = (epochMs: number): string => {
  const d = new Date(epochMs)
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}000+00:00`
}

export const nowTimestamp = (): string => formatTimestamp(Date.now())

// Date.UTC reads years 0..99 as 1900..1999; setUTCFullYear does not.
const utcDate = (year: number, monthIndex: number, day: number): number => new Date(0).setUTCFullYear(year, monthIndex, day)

const isDigits = (text: string): boolean => /^[0-9]+$/.test(text)

const digits = (text: string, from: number, count: number): number | undefined => {
  const part = text.slice(from, from + count)
  return part.length === count && isDigits(part) ? Number(part) : undefined
}

const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
const daysIn = (year: number, month: number): number =>
  [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0

// CPython's _find_isoformat_datetime_separator: where the date part ends.
const separatorAt = (text: string): number | undefined => {
  if (text.length === 7) return 7
  if (text.charAt(4) === "-") {
    if (text.charAt(5) !== "W") return 10
    if (text.length > 8 && text.charAt(8) === "-") {
      if (text.length === 9) return undefined
      return text.length > 10 && isDigits(text.charAt(10)) ? 8 : 10
    }
    return 8
  }
  if (text.charAt(4) !== "W") return 8
  let idx = 7
  while (idx < text.length && isDigits(text.charAt(idx))) idx++
  if (idx < 9) return idx
  return idx % 2 === 0 ? 7 : 8
}

/** Epoch ms of day 1 of an ISO week date (Monday of week 1 is the Monday on or before January 4th). */
const isoWeekDate = (year: number, week: number, day: number): number | undefined => {
  const jan4 = utcDate(year, 0, 4)
  const jan4Weekday = (new Date(jan4).getUTCDay() + 6) % 7
  const week1Monday = jan4 - jan4Weekday * 86_400_000
  const weeksInYear = (() => {
    const jan1Weekday = (new Date(utcDate(year, 0, 1)).getUTCDay() + 6) % 7
    return jan1Weekday === 3 || (jan1Weekday === 2 && isLeap(year)) ? 53 : 52
  })()
  if (week < 1 || week > weeksInYear || day < 1 || day > 7) return undefined
  return week1Monday + ((week - 1) * 7 + (day - 1)) * 86_400_000
}

const parseDate = (text: string): number | undefined => {
  const year = digits(text, 0, 4)
  if (year === undefined || year < 1) return undefined
  const dash = text.charAt(4) === "-"
  let pos = dash ? 5 : 4
  if (text.charAt(pos) === "W") {
    const week = digits(text, pos + 1, 2)
    pos += 3
    let day = 1
    if (text.length > pos) {
      if ((text.charAt(pos) === "-") !== dash) return undefined
      if (dash) pos++
      const d = digits(text, pos, 1)
      if (d === undefined || pos + 1 !== text.length) return undefined
      day = d
    } else if (pos !== text.length) return undefined
    return week === undefined ? undefined : isoWeekDate(year, week, day)
  }
  const month = digits(text, pos, 2)
  pos += 2
  if ((text.charAt(pos) === "-") !== dash) return undefined
  if (dash) pos++
  const day = digits(text, pos, 2)
  if (month === undefined || day === undefined || pos + 2 !== text.length) return undefined
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined
  return utcDate(year, month - 1, day)
}

/** HH[:?MM[:?SS[{.,}f{1,}]]] as microseconds, CPython's parse_hh_mm_ss_ff. */
const parseClock = (text: string): { readonly parts: ReadonlyArray<number>; readonly micros: number } | undefined => {
  const parts: Array<number> = []
  let pos = 0
  let colon = false
  for (let comp = 0; comp < 3; comp++) {
    const value = digits(text, pos, 2)
    if (value === undefined) return undefined
    parts.push(value)
    pos += 2
    const next = text.charAt(pos)
    if (comp === 0) colon = next === ":"
    if (next === "" || comp >= 2) break
    if (colon && next !== ":") return undefined
    if (colon) pos++
  }
  let micros = 0
  if (pos < text.length) {
    if (text.charAt(pos) !== "." && text.charAt(pos) !== ",") return undefined
    const fraction = text.slice(pos + 1)
    if (fraction === "" || !isDigits(fraction)) return undefined
    micros = Number(fraction.slice(0, 6).padEnd(6, "0"))
  }
  while (parts.length < 3) parts.push(0)
  return { parts, micros }
}

const parseTime = (text: string): { readonly ms: number; readonly offsetMs: number } | undefined => {
  if (text.length < 2) return undefined
  const tzAt = text.search(/[+\-Z]/)
  const clock = parseClock(tzAt < 0 ? text : text.slice(0, tzAt))
  if (clock === undefined) return undefined
  const [hour = 0, minute = 0, second = 0] = clock.parts
  if (hour > 23 || minute > 59 || second > 59) return undefined
  const ms = ((hour * 60 + minute) * 60 + second) * 1000 + Math.floor(clock.micros / 1000)
  if (tzAt < 0) return { ms, offsetMs: 0 }
  if (text.charAt(tzAt) === "Z") return tzAt === text.length - 1 ? { ms, offsetMs: 0 } : undefined
  const zone = text.slice(tzAt + 1)
  if (zone.length === 0 || zone.length === 1 || zone.length === 3) return undefined
  const offset = parseClock(zone)
  if (offset === undefined) return undefined
  const [oh = 0, om = 0, os = 0] = offset.parts
  if (om > 59 || os > 59) return undefined
  const offsetMicros = ((oh * 60 + om) * 60 + os) * 1_000_000 + offset.micros
  if (offsetMicros >= 86_400_000_000) return undefined
  return { ms, offsetMs: (text.charAt(tzAt) === "-" ? -1 : 1) * (offsetMicros / 1000) }
}

/**
 * Epoch ms of a text `datetime.fromisoformat` (Python 3.11) accepts, or undefined when it refuses
 * it. Microseconds below a millisecond are dropped.
 */
export const parseIsoDateTime = (text: string): number | undefined => {
  if (text.length < 7) return undefined
  const at = separatorAt(text)
  if (at === undefined) return undefined
  const date = parseDate(text.slice(0, at))
  if (date === undefined) return undefined
  if (at >= text.length) return date
  const time = parseTime(text.slice(at + 1))
  return time === undefined ? undefined : date + time.ms - time.offsetMs
}
