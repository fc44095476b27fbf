/** Cue text without markup: the speaker named by a `<v Name>` tag (if any) and the plain lines. */
export interface CleanCue {
  readonly speaker: string | null
  readonly lines: ReadonlyArray<string>
}

const namedEntities: Readonly<Record<string, string>> = {
  amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", nbsp: " ", lrm: "", rlm: "", hellip: "…", mdash: "—", ndash: "–"
}

/** Decodes named entities from the table above and all numeric ones; unknown names stay as written. */
export const decodeEntities = (text: string): string =>
  text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10)
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return namedEntities[body.toLowerCase()] ?? whole
  })

const voiceTag = /<v(?:\.[^\s>]*)?\s+([^>]+)>/
const anyTag = /<\/?[a-z][a-z0-9.:_-]*(?:\s[^>]*)?>|<\d{1,2}:\d{2}(?::\d{2})?[.,]\d{3}>/gi
const ssaOverride = /\{\\[^}]*\}/g

/**
 * Strips WebVTT and SRT markup: `<c.x>`, `<i>`, `<b>`, `<u>`, `<font ...>`, `<ruby>`, `<v Speaker>`, inline
 * timestamps such as `<00:00:01.500>`, SSA overrides such as `{\an8}`, then decodes HTML entities and collapses
 * spaces. Lines left empty are dropped.
 */
export const cleanCueText = (raw: string): CleanCue => {
  const voice = voiceTag.exec(raw)
  const speaker = voice?.[1]?.trim() ?? null
  const lines = raw
    .split("\n")
    .map((line) => decodeEntities(line.replace(ssaOverride, "").replace(anyTag, "")).replace(/\s+/g, " ").trim())
    .filter((line) => line !== "")
  return { speaker: speaker === "" ? null : speaker, lines }
}
