/**
 * Every domain's payload schema, as the registry runs it before enqueue (`findJob(d).validatePayload`):
 * a valid payload goes in; an unknown field and an invalid enumerated value are refused with the
 * field named, so a producer learns of the mistake at enqueue rather than from a failed job.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { findJob } from "../../src/domains/registry.js"

/** Whatever `findJob` takes: the domain type is being opened up elsewhere, so do not name it here. */
type Domain = Parameters<typeof findJob>[0]

interface Refusal {
  readonly name: string
  readonly payload: Record<string, unknown>
  /** Parts the refusal message must contain; the first names the field. */
  readonly says: ReadonlyArray<string>
}

interface DomainCase {
  readonly domain: Domain
  readonly valid: Record<string, unknown>
  /** Invalid enumerated values (empty when the domain has no enumeration). */
  readonly badEnums: ReadonlyArray<Refusal>
  /** Other values that can be refused without running the job (ranges that depend on another field). */
  readonly badValues?: ReadonlyArray<Refusal>
}

const covenantCsv = [
  "deal_id,borrower,quarter,total_debt,ebitda,interest_expense,current_assets,current_liabilities,max_leverage,min_interest_coverage,min_current_ratio",
  "D-1,Acme,2024Q1,3000000,1000000,200000,1500000,1000000,3.5,3.0,1.2"
].join("\n")

const cases: ReadonlyArray<DomainCase> = [
  {
    domain: "qr",
    valid: { text: "https://example.com", size: 256, format: "svg" },
    badEnums: [{ name: "format", payload: { text: "x", format: "jpg" }, says: [`at ["format"]`, `"jpg"`, "png, svg"] }]
  },
  {
    domain: "databank",
    valid: {
      op: "upload",
      data_base64: "aGVsbG8=",
      sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
      size: 5
    },
    badEnums: [{
      name: "op",
      payload: { op: "delete", result_id: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" },
      says: [`at ["op"]`, `"delete"`, "upload, download"]
    }]
  },
  {
    domain: "turkic",
    valid: { text: "Сәлем, әлем!", lang: "kk", transliterate: "cyr2lat", lowercase: true, top: 5 },
    badEnums: [
      { name: "lang", payload: { text: "x", lang: "mn" }, says: [`at ["lang"]`, `"mn"`, "kk, tr, az"] },
      { name: "transliterate", payload: { text: "x", lang: "kk", transliterate: "latin" }, says: [`at ["transliterate"]`, `"latin"`, "cyr2lat, lat2cyr"] }
    ]
  },
  {
    domain: "transcript",
    valid: { text: "WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n", format: "vtt", dedupe: true },
    badEnums: [{ name: "format", payload: { text: "x", format: "ass" }, says: [`at ["format"]`, `"ass"`, "auto, vtt, srt"] }]
  },
  {
    domain: "covenant",
    valid: { csv: covenantCsv, headroom: 0.2 },
    badEnums: []
  },
  {
    domain: "music_wrapped",
    valid: { history: "[]", year: 2024, timezone: "Europe/Berlin", top: 5 },
    // Not a literal list, but a closed set all the same: the runtime's IANA time zones.
    badEnums: [{ name: "timezone", payload: { history: "[]", year: 2024, timezone: "Mars/Olympus" }, says: [`at ["timezone"]`, `"Mars/Olympus"`] }]
  },
  {
    domain: "catalog",
    valid: { csv: "sku,title\n", marketplace: "amazon", category: "books", region: "us" },
    badEnums: [
      { name: "marketplace", payload: { csv: "x", marketplace: "ebay", category: "books" }, says: [`at ["marketplace"]`, `"ebay"`, "mercado_livre, amazon"] },
      { name: "category", payload: { csv: "x", marketplace: "amazon", category: "toys" }, says: [`at ["category"]`, `"toys"`, "books, electronics"] },
      {
        name: "region",
        payload: { csv: "x", marketplace: "mercado_livre", category: "home", region: "us" },
        says: [`at ["region"]`, `"us"`, "br, mx, ar, co, cl"]
      }
    ]
  },
  {
    domain: "digits",
    valid: { model_id: "mlp-64", epochs: 2, batch_size: 16, learning_rate: 0.01, seed: 3, train_size: 500, val_size: 100 },
    badEnums: [{ name: "model_id", payload: { model_id: "mlp-999" }, says: [`at ["model_id"]`, `"mlp-999"`, "mlp-32, mlp-64, mlp-128"] }],
    badValues: [{
      name: "train_size + val_size",
      payload: { model_id: "mlp-32", train_size: 9500, val_size: 1000 },
      says: ["train_size + val_size must be at most 10000, got 10500"]
    }]
  },
  {
    domain: "trainer",
    valid: { model_family: "char-mlp", steps: 10, batch_size: 4, context_length: 3, learning_rate: 0.5, seed: 9 },
    badEnums: [{ name: "model_family", payload: { model_family: "gpt-5" }, says: [`at ["model_family"]`, `"gpt-5"`, "char-bigram, char-mlp"] }],
    badValues: [{
      name: "context_length beyond the family's",
      payload: { model_family: "char-bigram", context_length: 4 },
      says: [`at ["context_length"]`, "char-bigram takes a context_length of at most 1, got 4"]
    }]
  }
]

const validate = (domain: Domain, payload: unknown) =>
  Effect.flatMap(findJob(domain), (job) => job.validatePayload(payload))

const refusalOf = (domain: Domain, payload: unknown) =>
  Effect.map(Effect.flip(validate(domain, payload)), (error) => error.message)

describe("strict payloads: every domain refuses unknown fields and bad enumerated values at enqueue", () => {
  it("covers every registered domain", () => {
    assert.deepStrictEqual(
      cases.map((c) => c.domain).sort(),
      ["catalog", "covenant", "databank", "digits", "music_wrapped", "qr", "trainer", "transcript", "turkic"]
    )
  })

  for (const c of cases) {
    describe(c.domain, () => {
      it.effect("accepts a valid payload", () => validate(c.domain, c.valid))

      it.effect("refuses an unknown field, naming it", () =>
        Effect.gen(function*() {
          const message = yield* refusalOf(c.domain, { ...c.valid, bogus: 1 })
          assert.include(message, `unknown field "bogus"`)
          assert.include(message, `${c.domain} payload`)
        }))

      for (const bad of [...c.badEnums, ...(c.badValues ?? [])]) {
        it.effect(`refuses a bad ${bad.name}, naming the field`, () =>
          Effect.gen(function*() {
            const message = yield* refusalOf(c.domain, bad.payload)
            for (const part of bad.says) assert.include(message, part)
          }))
      }
    })
  }
})
