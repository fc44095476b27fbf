/**
 * JSON of the wire contracts, written and read the way seed 000's Python side sees it:
 * - `user_id` is a JSON integer of any size a signed 64-bit int holds. JSON.parse would round its
 *   digits through a double (2^53 + 1 comes back as 2^53), so the parsed object's number is
 *   replaced by a bigint read from the digits of the source text.
 * - a bigint is written as its digits (JSON.stringify refuses bigints, which keeps a user id from
 *   ever going out quoted or rounded by accident).
 * - a float-typed field keeps a float form: `1.0`, not `1`, so Python's json.loads gives a float.
 */

/** Index just past the JSON string that starts at `i` (a quote). */
const skipString = (text: string, i: number): number => {
  let j = i + 1
  while (j < text.length) {
    const c = text.charCodeAt(j)
    if (c === 0x5c) j += 2
    else if (c === 0x22) return j + 1
    else j++
  }
  return j
}

/** Index just past the JSON value that starts at `i` (after whitespace). */
const skipValue = (text: string, i: number): number => {
  const first = text.charCodeAt(i)
  if (first === 0x22) return skipString(text, i)
  if (first !== 0x7b && first !== 0x5b) {
    let j = i
    while (j < text.length && !",}] \t\r\n".includes(text.charAt(j))) j++
    return j
  }
  let depth = 0
  let j = i
  while (j < text.length) {
    const c = text.charCodeAt(j)
    if (c === 0x22) {
      j = skipString(text, j)
      continue
    }
    if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) {
      depth--
      if (depth === 0) return j + 1
    }
    j++
  }
  return j
}

const skipSpace = (text: string, i: number): number => {
  let j = i
  while (j < text.length && " \t\r\n".includes(text.charAt(j))) j++
  return j
}

/**
 * The source text of the value of a top-level key of a JSON object text (the last one, as
 * JSON.parse keeps the last of duplicate keys), or undefined. Assumes the text is valid JSON.
 */
export const topLevelValueText = (text: string, key: string): string | undefined => {
  let i = skipSpace(text, 0)
  if (text.charCodeAt(i) !== 0x7b) return undefined
  i++
  let found: string | undefined
  while (i < text.length) {
    i = skipSpace(text, i)
    if (text.charCodeAt(i) !== 0x22) return found
    const keyEnd = skipString(text, i)
    const rawKey = text.slice(i, keyEnd)
    const name: unknown = rawKey.includes("\\") ? JSON.parse(rawKey) : rawKey.slice(1, -1)
    i = skipSpace(text, keyEnd) + 1
    i = skipSpace(text, i)
    const valueEnd = skipValue(text, i)
    if (name === key) found = text.slice(i, valueEnd)
    i = skipSpace(text, valueEnd)
    if (text.charCodeAt(i) !== 0x2c) return found
    i++
  }
  return found
}

const integerLiteral = /^-?(?:0|[1-9]\d*)$/

/**
 * Gives a parsed object its exact `user_id`: when the field is a number written as an integer
 * literal, it becomes the bigint of those digits. A literal like `1.0` or `1e3` (a float in
 * Python) stays a number, which the user_id schema refuses.
 */
export const withExactUserId = (text: string, record: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> => {
  if (typeof record["user_id"] !== "number") return record
  const digits = topLevelValueText(text, "user_id")
  return digits !== undefined && integerLiteral.test(digits) ? { ...record, user_id: BigInt(digits) } : record
}

/** JSON.parse with an exact top-level `user_id` (see withExactUserId); throws as JSON.parse does. */
export const parseWireJson = (text: string): unknown => {
  const value: unknown = JSON.parse(text)
  return isRecord(value) ? withExactUserId(text, value) : value
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A float's wire form: finite whole numbers get `.0` (`(1e21).toFixed(1)` is already `1e+21`). */
export const floatJson = (value: number): string =>
  Number.isInteger(value) ? value.toFixed(1) : JSON.stringify(value)

const hasToJson = (value: object): value is { toJSON: () => unknown } =>
  "toJSON" in value && typeof value.toJSON === "function"

// `gap` is the indentation of one level ("" for compact output), `at` the current line's indentation.
const writeValue = (value: unknown, gap: string, at: string): string | undefined => {
  switch (typeof value) {
    case "bigint":
      return value.toString()
    case "object": {
      if (value === null) return "null"
      if (hasToJson(value)) return writeValue(value.toJSON(), gap, at)
      if (Array.isArray(value)) {
        const inner = at + gap
        const items = value.map((item: unknown) => writeValue(item, gap, inner) ?? "null")
        return items.length === 0 ? "[]" : gap === "" ? `[${items.join(",")}]` : `[\n${inner}${items.join(`,\n${inner}`)}\n${at}]`
      }
      return writeObject(value, undefined, gap, at)
    }
    default:
      return JSON.stringify(value)
  }
}

const writeObject = (value: object, floatKeys: ReadonlySet<string> | undefined, gap: string, at: string): string => {
  const inner = at + gap
  const parts: Array<string> = []
  for (const [key, field] of Object.entries(value)) {
    const written = floatKeys !== undefined && typeof field === "number" && Number.isFinite(field) && floatKeys.has(key)
      ? floatJson(field)
      : writeValue(field, gap, inner)
    if (written !== undefined) parts.push(`${JSON.stringify(key)}:${gap === "" ? "" : " "}${written}`)
  }
  if (parts.length === 0) return "{}"
  return gap === "" ? `{${parts.join(",")}}` : `{\n${inner}${parts.join(`,\n${inner}`)}\n${at}}`
}

/**
 * JSON.stringify that writes bigints as their digits and, for the top-level keys in `floatKeys`,
 * whole-number floats as `1.0`. Nested values follow JSON.stringify's rules otherwise.
 */
export const stringifyWire = (value: unknown, floatKeys?: ReadonlySet<string>): string => {
  if (typeof value === "object" && value !== null && !Array.isArray(value) && !hasToJson(value)) {
    return writeObject(value, floatKeys, "", "")
  }
  return writeValue(value, "", "") ?? "null"
}

/** stringifyWire indented as `JSON.stringify(value, null, 2)` indents, for people to read. */
export const stringifyWirePretty = (value: unknown): string => writeValue(value, "  ", "") ?? "null"
