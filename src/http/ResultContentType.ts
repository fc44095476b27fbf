/**
 * The Content-Type of a stored result, sniffed from its first bytes: the store is content-addressed
 * and keeps no metadata, and every producer here writes formats that announce themselves (PNG's
 * signature, an SVG root element, JSON's opening bracket). Sniffing also serves results stored
 * before this route existed, which recording a type at write time would not.
 */

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** How far into the object to look for an `<svg` root after an XML prolog, comments or a DOCTYPE. */
const svgWindowBytes = 4096

const startsWith = (bytes: Uint8Array, prefix: ReadonlyArray<number>): boolean =>
  bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b)

/** The text of `head` when it is UTF-8 without NUL bytes (a cut character at the end is allowed). */
const asText = (head: Uint8Array): string | undefined => {
  if (head.includes(0)) return undefined
  try {
    // `stream: true` leaves a multi-byte character cut by the chunk's end pending instead of failing.
    return new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true })
  } catch {
    return undefined
  }
}

/**
 * `image/png`, `image/svg+xml`, `application/json` (text starting with `{` or `[`),
 * `text/plain; charset=utf-8` (other UTF-8 text: the CSV and plain-text outputs), else
 * `application/octet-stream`.
 */
export const sniffContentType = (head: Uint8Array): string => {
  if (startsWith(head, pngSignature)) return "image/png"
  const text = asText(head)
  if (text === undefined || text.length === 0) return "application/octet-stream"
  const start = text.replace(/^\uFEFF/, "").trimStart()
  if (start.startsWith("{") || start.startsWith("[")) return "application/json"
  if (start.startsWith("<") && /<svg[\s>]/.test(start.slice(0, svgWindowBytes))) return "image/svg+xml"
  return "text/plain; charset=utf-8"
}
