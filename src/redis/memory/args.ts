/** Argument parsing and reply formatting shared by the command families, with Redis's error texts. */
import { CommandError, notInteger } from "./types.js"

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** Redis's string2ll: optional '-', no '+', no leading zeros, within int64. */
export const isInteger = (text: string): boolean => {
  if (!/^(0|-?[1-9]\d*)$/.test(text)) return false
  const value = BigInt(text)
  return value >= INT64_MIN && value <= INT64_MAX
}

/** The text itself when it is a valid int64 (for exact arithmetic), else the error. */
export const int64Text = (text: string, error: () => CommandError = notInteger): string => {
  if (!isInteger(text)) throw error()
  return text
}

export const parseInteger = (text: string, error: () => CommandError = notInteger): number => {
  if (!isInteger(text)) throw error()
  return Number(text)
}

/**
 * The number a client makes of an integer reply's digits. ioredis parses them with redis-parser,
 * which folds the digits left to right in doubles: exact up to 2^53, and beyond that rounded
 * differently from Number(text), so the twin does the same.
 */
export const integerReply = (text: string): number => {
  const negative = text.startsWith("-")
  let value = 0
  for (let i = negative ? 1 : 0; i < text.length; i++) value = value * 10 + (text.charCodeAt(i) - 48)
  return negative ? -value : value
}

/**
 * INCRBY-style arithmetic on int64 strings, exact (BigInt). Returns the new stored text; the
 * caller replies with it through `integerReply`, as ioredis turns integer replies into JS numbers.
 */
export const addInt64 = (current: string, delta: string): string => {
  const next = BigInt(current) + BigInt(delta)
  if (next < INT64_MIN || next > INT64_MAX) throw new CommandError("ERR increment or decrement would overflow")
  return next.toString()
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** strtod as Redis uses it for scores: decimals, exponents and (+/-)inf; never NaN. */
export const parseFloatOrUndefined = (text: string): number | undefined => {
  const lower = text.toLowerCase()
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") return Infinity
  if (lower === "-inf" || lower === "-infinity") return -Infinity
  return FLOAT.test(text) ? Number(text) : undefined
}

export const parseFloatArg = (text: string, message = "ERR value is not a valid float"): number => {
  const value = parseFloatOrUndefined(text)
  if (value === undefined) throw new CommandError(message)
  return value
}

/** Blocking-command timeouts: seconds, decimals allowed, 0 = forever. Returns a deadline or undefined. */
export const parseTimeout = (text: string): number | undefined => {
  const seconds = parseFloatOrUndefined(text)
  if (seconds === undefined || !Number.isFinite(seconds)) {
    throw new CommandError("ERR timeout is not a float or out of range")
  }
  if (seconds < 0) throw new CommandError("ERR timeout is negative")
  return seconds === 0 ? undefined : Date.now() + Math.round(seconds * 1000)
}

const trimZeros = (digits: string) => (digits.includes(".") ? digits.replace(/\.?0+$/, "") : digits)

/** C's `%.17g`, which Redis 7.0 uses for scores and Lua numbers. */
export const formatDouble = (value: number): string => {
  if (value === Infinity) return "inf"
  if (value === -Infinity) return "-inf"
  if (value === 0) return Object.is(value, -0) ? "-0" : "0"
  const [mantissa = "0", exponentText = "0"] = value.toExponential(16).split("e")
  const exponent = Number(exponentText)
  if (exponent < -4 || exponent >= 17) {
    const sign = exponent < 0 ? "-" : "+"
    return `${trimZeros(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`
  }
  return trimZeros(value.toFixed(Math.max(0, 16 - exponent)))
}

/** Redis's glob matcher (KEYS, SCAN MATCH): `*`, `?`, `[abc]`, `[^a-z]`, `\x`. */
export const globMatch = (pattern: string, text: string): boolean => {
  const match = (p: number, t: number): boolean => {
    while (p < pattern.length) {
      const c = pattern[p]
      if (c === "*") {
        while (pattern[p + 1] === "*") p++
        if (p + 1 === pattern.length) return true
        for (let i = t; i <= text.length; i++) if (match(p + 1, i)) return true
        return false
      }
      if (t >= text.length) return false
      if (c === "?") {
        p++
        t++
        continue
      }
      if (c === "[") {
        let q = p + 1
        const negate = pattern[q] === "^"
        if (negate) q++
        let matched = false
        while (q < pattern.length && pattern[q] !== "]") {
          if (pattern[q] === "\\" && q + 1 < pattern.length) {
            q++
            if (pattern[q] === text[t]) matched = true
          } else if (pattern[q + 1] === "-" && q + 2 < pattern.length && pattern[q + 2] !== "]") {
            const lo = pattern.charCodeAt(q)
            const hi = pattern.charCodeAt(q + 2)
            const code = text.charCodeAt(t)
            if (code >= Math.min(lo, hi) && code <= Math.max(lo, hi)) matched = true
            q += 2
          } else if (pattern[q] === text[t]) matched = true
          q++
        }
        if (matched === negate) return false
        p = q + 1
        t++
        continue
      }
      if (c === "\\" && p + 1 < pattern.length) p++
      if (pattern[p] !== text[t]) return false
      p++
      t++
    }
    return t === text.length
  }
  return match(0, 0)
}

export const upper = (text: string | undefined): string => (text ?? "").toUpperCase()

/** Normalises LRANGE/ZRANGE-style indexes (negative from the end) to an inclusive [start, stop]. */
export const normaliseRange = (start: number, stop: number, length: number): readonly [number, number] | undefined => {
  const from = Math.max(0, start < 0 ? length + start : start)
  const to = Math.min(length - 1, stop < 0 ? length + stop : stop)
  return from > to || from >= length ? undefined : [from, to]
}

export const arg = (args: ReadonlyArray<string>, index: number): string => args[index] ?? ""

/** A reversed copy (ES2022 has no toReversed). */
export const reversed = <A>(items: ReadonlyArray<A>): Array<A> => items.map((_, i) => items[items.length - 1 - i]).filter((item): item is A => item !== undefined)
