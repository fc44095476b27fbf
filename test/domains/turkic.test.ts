import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { readFileSync } from "node:fs"
import { lowercaseFor } from "../../src/domains/turkic/casing.js"
import { corpusJson, corpusText, decodeCorpusBytes, processCorpus } from "../../src/domains/turkic/corpus.js"
import { kazakhCyrillicToLatin, kazakhLatinToCyrillic } from "../../src/domains/turkic/kazakhLatin.js"
import { decodeTurkicPayload, MAX_CORPUS_BYTES, TurkicPayload } from "../../src/domains/turkic/Payload.js"
import { tokenizeLine } from "../../src/domains/turkic/tokenize.js"

const fixture = (name: string) => readFileSync(new URL(`../fixtures/turkic/${name}`, import.meta.url), "utf8")
const kk = fixture("kk_cyrillic.txt").trimEnd()
const tr = fixture("tr_mixed_case.txt").trimEnd()

describe("turkic: Kazakh transliteration (2021 Latin alphabet)", () => {
  it("cyr2lat gives the published transliteration of the 1902 text", () => {
    const [first, second] = kk.split("\n")
    assert.strictEqual(
      kazakhCyrillicToLatin(first ?? ""),
      "Būryñğy ötken zamanda, bır danyşpan kısı, Bağdat şaharynyñ bır ülken qazysynyñ üiıne kelıp qonypty."
    )
    assert.strictEqual(kazakhCyrillicToLatin(second ?? ""), "Qazymenen söilesıp, qazyny sözge jeñe berıptı.")
  })

  it("every letter of the alphabet, capitals included, maps as documented", () => {
    assert.strictEqual(kazakhCyrillicToLatin("ӘҒҚҢӨҰҮІИЙЫУШҺХ"), "ÄĞQÑÖŪÜIİİYUŞHH")
    assert.strictEqual(kazakhCyrillicToLatin("әғқңөұүіийыушһх"), "äğqñöūüıiiyuşhh")
  })

  it("Russian-only letters use the documented digraphs; hard and soft signs are dropped", () => {
    assert.strictEqual(kazakhCyrillicToLatin("Цех чай щётка ёлка юрта Ялта экран объект пальто"), "Tseh chai şşiotka iolka iurta İalta ekran obekt palto")
    assert.strictEqual(kazakhCyrillicToLatin("Чай"), "Chai")
    assert.strictEqual(kazakhCyrillicToLatin("ЧАЙ ЯЛТА ПЛАЩ Я"), "CHAİ İALTA PLAŞŞ İa")
  })

  it("lat2cyr writes i after a vowel as й and otherwise и, and H as Х", () => {
    assert.strictEqual(kazakhLatinToCyrillic("Qazaqstan Respublikasy"), "Қазақстан Республикасы")
    assert.strictEqual(kazakhLatinToCyrillic("üiıne söilesıp qalaiyn İnternet Hat"), "үйіне сөйлесіп қалайын Интернет Хат")
  })

  it("a line without Һ or Russian-only letters survives the round trip", () => {
    const second = kk.split("\n")[1] ?? ""
    assert.strictEqual(kazakhLatinToCyrillic(kazakhCyrillicToLatin(second)), second)
  })
})

describe("turkic: casing and tokens", () => {
  it("Turkish and Azerbaijani lowercase İ to i and I to ı; other languages use default casing", () => {
    assert.strictEqual(lowercaseFor("tr", "İSTANBUL IŞIK"), "istanbul ışık")
    assert.strictEqual(lowercaseFor("az", "İLHAM ILIQ"), "ilham ılıq")
    assert.strictEqual(lowercaseFor("uz", "ISHLAR"), "ishlar")
  })

  it("keeps apostrophes and hyphens inside words, separates numbers and punctuation", () => {
    const tokens = tokenizeLine("Oʻzbekiston'da ata-ana 1.250, 3 ta kitob!")
    assert.deepStrictEqual(tokens.map((t) => `${t.kind}:${t.text}`), [
      "word:Oʻzbekiston'da", "word:ata-ana", "number:1.250", "punct:,", "number:3", "word:ta", "word:kitob", "punct:!"
    ])
  })
})

describe("turkic: processCorpus on fixtures", () => {
  it.effect("Kazakh fixture: counts by hand, transliterated corpus, progress by lines", () =>
    Effect.gen(function*() {
      const payload = yield* decodeTurkicPayload({ text: kk, lang: "kk", transliterate: "cyr2lat", top: 3 })
      const seen: Array<string> = []
      const result = yield* processCorpus(payload, (done, total) => Effect.sync(() => seen.push(`${done}/${total}`)))
      assert.deepStrictEqual(seen, ["1/3", "2/3", "3/3"])
      assert.strictEqual(result.lines, 3)
      assert.strictEqual(result.words, 25)
      assert.strictEqual(result.numbers, 1)
      assert.strictEqual(result.punctuation, 7)
      assert.strictEqual(result.tokens, 33)
      assert.strictEqual(result.types, 24)
      assert.deepStrictEqual(result.top, [{ type: "bır", count: 2 }, { type: "Bağdat", count: 1 }, { type: "Būryñğy", count: 1 }])
      assert.strictEqual(result.corpus[2], "Sonda qazy qorqyp, 2 ret oilanypty.")
      assert.strictEqual(new TextDecoder().decode(corpusText(result)).split("\n").length, 3)
      assert.strictEqual(JSON.parse(new TextDecoder().decode(corpusJson(result))).types, 24)
    }))

  it.effect("Turkish fixture lowercased with dotted/dotless i", () =>
    Effect.gen(function*() {
      const payload = yield* decodeTurkicPayload({ lines: tr.split("\n"), lang: "tr", lowercase: true })
      const result = yield* processCorpus(payload)
      assert.deepStrictEqual(result.corpus, ["istanbul'da ışık var.", "ığdır ile izmir arasında 1.250 km var."])
      assert.strictEqual(result.words, 9)
      assert.strictEqual(result.numbers, 1)
      assert.strictEqual(result.punctuation, 2)
      assert.strictEqual(result.types, 8)
      assert.deepStrictEqual(result.top[0], { type: "var", count: 2 })
    }))

  it.effect("NFC: a decomposed ö counts as the same type as the composed one", () =>
    Effect.gen(function*() {
      const payload = yield* decodeTurkicPayload({ text: "so\u0308z söz", lang: "tr" })
      const result = yield* processCorpus(payload)
      assert.strictEqual(result.types, 1)
      assert.deepStrictEqual(result.top, [{ type: "söz", count: 2 }])
    }))
})

const reasonOf = <A, R>(effect: Effect.Effect<A, { readonly reason: string; readonly message: string }, R>) =>
  Effect.map(Effect.flip(effect), (e) => [e.reason, e.message] as const)

describe("turkic: bad input", () => {
  it.effect("unknown language names the known ones", () =>
    Effect.gen(function*() {
      const [reason, message] = yield* reasonOf(decodeTurkicPayload({ text: "x", lang: "xx" }))
      assert.strictEqual(reason, "InvalidPayload")
      assert.include(message, `unknown language "xx" (known: kk, tr, az, ky, uz, tt, ba, tk) at ["lang"]`)
    }))

  it.effect("both or neither of text and lines, extra fields and a bad top are rejected", () =>
    Effect.gen(function*() {
      assert.include((yield* reasonOf(decodeTurkicPayload({ lang: "tr" })))[1], "exactly one of")
      assert.include((yield* reasonOf(decodeTurkicPayload({ lang: "tr", text: "a", lines: ["a"] })))[1], "exactly one of")
      assert.include((yield* reasonOf(decodeTurkicPayload({ lang: "tr", text: "a", extra: 1 })))[1], "excess property")
      assert.include((yield* reasonOf(decodeTurkicPayload({ lang: "tr", text: "a", top: 0 })))[1], '["top"]')
      // the bare schema, as the runtime decodes stored payloads, enforces the text/lines rule as well
      const bare = yield* Effect.flip(Schema.decodeUnknownEffect(TurkicPayload)({ lang: "tr", text: "a", lines: ["a"] }))
      assert.include(bare.message, 'give exactly one of "text" or "lines"')
    }))

  it.effect("transliteration for a language without a table", () =>
    Effect.gen(function*() {
      const payload = yield* decodeTurkicPayload({ text: "Merhaba", lang: "tr", transliterate: "lat2cyr" })
      const [reason, message] = yield* reasonOf(processCorpus(payload))
      assert.strictEqual(reason, "UnsupportedTransliteration")
      assert.include(message, 'not available for "tr" (available for: kk)')
    }))

  it.effect("empty and whitespace-only corpora", () =>
    Effect.gen(function*() {
      const payload = yield* decodeTurkicPayload({ lines: ["", "  \t"], lang: "ky" })
      assert.strictEqual((yield* reasonOf(processCorpus(payload)))[0], "EmptyCorpus")
    }))

  it.effect("oversize corpus, as text and as bytes", () =>
    Effect.gen(function*() {
      const big = "а".repeat(MAX_CORPUS_BYTES / 2 + 1)
      const payload = yield* decodeTurkicPayload({ text: big, lang: "kk" })
      const [reason, message] = yield* reasonOf(processCorpus(payload))
      assert.strictEqual(reason, "OversizeInput")
      assert.include(message, `limit is ${MAX_CORPUS_BYTES} bytes`)
      const [bytesReason] = yield* reasonOf(decodeCorpusBytes(new Uint8Array(MAX_CORPUS_BYTES + 1)))
      assert.strictEqual(bytesReason, "OversizeInput")
    }))

  it.effect("invalid UTF-8 bytes are an unknown encoding; valid bytes decode", () =>
    Effect.gen(function*() {
      const [reason, message] = yield* reasonOf(decodeCorpusBytes(new Uint8Array([0x66, 0xff, 0x66])))
      assert.strictEqual(reason, "InvalidEncoding")
      assert.include(message, "not valid UTF-8")
      assert.strictEqual(yield* decodeCorpusBytes(new TextEncoder().encode("қазақ")), "қазақ")
    }))
})

describe("turkic: error codes", () => {
  it.effect("errors are user errors with a stable code", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(decodeCorpusBytes(new Uint8Array([0xff])))
      assert.deepStrictEqual([error.kind, error.code], ["user", "INVALID_ENCODING"])
    }))
})
