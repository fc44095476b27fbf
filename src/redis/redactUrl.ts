/**
 * Redaction of connection URLs (`REDIS_URL`) for logs, errors and `describe`. It must hold for any
 * password, including generated ones with `/ @ : # ? %` in them, and for strings that are no URL
 * at all, so it never relies on a URL parser: a parser stops the userinfo at the first `/`, `?` or
 * `#` and would then print the rest of the password as a host or a path.
 */

const schemePattern = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is
/** What a bare `host`, `host:port`, `[v6]:port` looks like: nothing else is printed unredacted. */
const plainHostPattern = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?(\/\d{1,3})?$/i
const redacted = "<redacted>"

/**
 * How a URL splits into what may print and what may not. The userinfo runs to the LAST `@` (hosts
 * never contain one). When that split is ambiguous (a `?` or `#` before that `@`: the password
 * has one, or the `@` sits in a query value) or what follows is no host, nothing after the scheme
 * prints: losing the host in a log line is better than printing half a password as one.
 */
interface Shown {
  /** What may print: `scheme://`, then `<redacted>@` and the host, or `<redacted>` alone. */
  readonly text: string
  /** The parts that must never print. */
  readonly secrets: ReadonlyArray<string>
}

const splitQuery = (rest: string): readonly [string, string | undefined] => {
  const cut = rest.search(/[?#]/)
  return cut < 0 ? [rest, undefined] : [rest.slice(0, cut), rest.slice(cut + 1)]
}

const looksLikeHost = (hostPart: string): boolean => hostPart === "" || plainHostPattern.test(hostPart)

const show = (url: string): Shown => {
  const trimmed = url.trim()
  const match = schemePattern.exec(trimmed)
  const scheme = match?.[1] ?? ""
  const body = match?.[2] ?? trimmed
  const hidden: Shown = { text: match === null ? `${redacted} url` : `${scheme}${redacted}`, secrets: [body] }
  const at = body.lastIndexOf("@")
  const userinfo = at < 0 ? undefined : body.slice(0, at)
  const [hostPart, query] = splitQuery(at < 0 ? body : body.slice(at + 1))
  if (userinfo !== undefined && /[?#]/.test(userinfo)) return hidden
  // Without a scheme nothing says an `@` ends a userinfo: `p@ss@w0rd` would print `w0rd`.
  if (match === null && userinfo !== undefined) return hidden
  if (!looksLikeHost(hostPart) || (match === null && hostPart === "")) return hidden
  const secrets = [userinfo, query].filter((s): s is string => s !== undefined && s.length > 0)
  const text = `${scheme}${userinfo === undefined ? "" : `${redacted}@`}${hostPart}${query === undefined ? "" : `?${redacted}`}`
  return { text, secrets }
}

/**
 * The URL with its userinfo and query replaced by `<redacted>`: `redis://<redacted>@host:6379/0`.
 * A string that is neither `scheme://...` nor a bare host[:port] prints as `<redacted> url`.
 */
export const redactUrl = (url: string): string => show(url).text

/**
 * The secret parts of `url`, and each piece of them a parser may have split off and printed on its
 * own (a "host" `ss` from `p@ss`, a "path" from `pa/ss`), longest first so a piece never leaves
 * part of a longer secret behind. Pieces shorter than 3 characters are left: they would blank
 * ordinary words of a message.
 */
const secretsOf = (url: string): ReadonlyArray<string> => {
  const found = new Set<string>()
  for (const secret of show(url).secrets) {
    found.add(secret)
    try {
      found.add(decodeURIComponent(secret))
    } catch {
      // not percent-encoded: the raw form is enough
    }
    for (const piece of secret.split(/[:/@#?&=%]/)) if (piece.length >= 3) found.add(piece)
  }
  return [...found].sort((a, b) => b.length - a.length)
}

/** `text` (an error message, a log line) with every secret part of `url` replaced. */
export const redactSecretsIn = (text: string, url: string): string =>
  secretsOf(url).reduce((out, secret) => out.split(secret).join(redacted), text)
