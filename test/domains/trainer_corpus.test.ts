import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { buildCharCorpus, loadBundledCorpus } from "../../src/domains/trainer/CharCorpus.js"

describe("character corpus", () => {
  it.effect("the bundled corpus is real text of 20-100 KB", () =>
    Effect.gen(function*() {
      const text = yield* loadBundledCorpus
      assert.isAtLeast(text.length, 20_000)
      assert.isAtMost(text.length, 100_000)
      assert.isTrue(text.startsWith("First Citizen:\nBefore we proceed any further, hear me speak."))
      const corpus = yield* buildCharCorpus(text, { contextLength: 8, validationFraction: 0.1 })
      assert.strictEqual(corpus.train.length + corpus.validation.length, text.length)
      assert.strictEqual(corpus.validation.length, Math.floor(text.length * 0.1))
    }))

  it.effect("maps characters to ids in code-point order and back", () =>
    Effect.gen(function*() {
      const corpus = yield* buildCharCorpus("abcabcabcabcabcabcba", { contextLength: 1, validationFraction: 0.25 })
      assert.deepStrictEqual(corpus.vocabulary, ["a", "b", "c"])
      const decode = (ids: Uint16Array) => Array.from(ids, (id) => corpus.vocabulary[id]).join("")
      assert.strictEqual(decode(corpus.train), "abcabcabcabcabc")
      assert.strictEqual(decode(corpus.validation), "abcba")
    }))

  it.effect("an empty text is CorpusEmpty", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(buildCharCorpus("", { contextLength: 1, validationFraction: 0.1 }))
      assert.strictEqual(error._tag, "CorpusEmpty")
      assert.strictEqual(error.code, "CORPUS_EMPTY")
      assert.strictEqual(error.characters, 0)
    }))

  it.effect("a text too short for a validation window at this context is CorpusEmpty", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(buildCharCorpus("to be or not to be", { contextLength: 8, validationFraction: 0.1 }))
      assert.strictEqual(error._tag, "CorpusEmpty")
      assert.include(error.message, "at least 9 characters")
    }))

  it.effect("a text of one repeated character is CorpusEmpty (nothing to predict)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(buildCharCorpus("a".repeat(100), { contextLength: 1, validationFraction: 0.1 }))
      assert.strictEqual(error._tag, "CorpusEmpty")
    }))
})
