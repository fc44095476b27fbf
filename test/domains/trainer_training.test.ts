import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { buildCharCorpus, loadBundledCorpus } from "../../src/domains/trainer/CharCorpus.js"
import { trainCharLm, type TrainerStepProgress, trainOnBundledCorpus, VALIDATION_FRACTION } from "../../src/domains/trainer/CharLmTraining.js"
import { sampleText } from "../../src/domains/trainer/CharSampling.js"
import type { TrainerConfig } from "../../src/domains/trainer/TrainerPayload.js"

const mlpConfig: TrainerConfig = {
  family: "char-mlp",
  steps: 200,
  batchSize: 32,
  contextLength: 4,
  learningRate: 0.01,
  seed: 5,
  embedding: 16,
  hidden: 128
}
const bigramConfig: TrainerConfig = { ...mlpConfig, family: "char-bigram", contextLength: 1, learningRate: 0.03, steps: 300 }

const text = await Effect.runPromise(loadBundledCorpus)
const corpus = await Effect.runPromise(buildCharCorpus(text, { contextLength: 4, validationFraction: VALIDATION_FRACTION }))
const uniformLoss = Math.log(corpus.vocabulary.length)

const mean = (values: ArrayLike<number>) => Array.from(values).reduce((sum, v) => sum + v, 0) / values.length

const recordSteps = (config: TrainerConfig) =>
  Effect.gen(function*() {
    const steps: Array<TrainerStepProgress> = []
    const result = yield* trainCharLm(config, corpus, { onStep: (p) => Effect.sync(() => void steps.push(p)) })
    return { result, steps }
  })

describe("character language model training", () => {
  for (const config of [mlpConfig, bigramConfig]) {
    it.effect(`${config.family}: training loss falls and validation loss beats the uniform baseline ln(vocab)`, () =>
      Effect.gen(function*() {
        const { result, steps } = yield* recordSteps(config)
        const losses = steps.map((s) => s.loss)
        const first = mean(losses.slice(0, 20))
        const last = mean(losses.slice(-20))
        assert.isBelow(last, first - 0.5, `first 20 steps ${first}, last 20 ${last}`)
        assert.isBelow(result.valLoss, uniformLoss - 1, `validation ${result.valLoss} vs uniform ${uniformLoss}`)
        assert.closeTo(result.perplexity, Math.exp(result.valLoss), 1e-9)
        assert.closeTo(result.finalLoss, mean(losses.slice(-50)), 1e-9)
        assert.deepStrictEqual(Array.from(result.losses), losses)
      }))
  }

  it.effect("reports each step with decaying learning rate and positive throughput", () =>
    Effect.gen(function*() {
      const { steps } = yield* recordSteps({ ...mlpConfig, steps: 30 })
      assert.deepStrictEqual(steps.map((s) => s.step), Array.from({ length: 30 }, (_, i) => i + 1))
      for (const s of steps) {
        assert.strictEqual(s.totalSteps, 30)
        assert.isAbove(s.tokensPerSec, 0)
        assert.closeTo(s.tokensPerSec, (s.step * mlpConfig.batchSize) / s.elapsedS, 1e-6 * s.tokensPerSec)
      }
      for (let i = 1; i < steps.length; i++) assert.isAtLeast(steps[i]?.elapsedS ?? 0, steps[i - 1]?.elapsedS ?? Infinity)
      assert.closeTo(steps[0]?.learningRate ?? 0, mlpConfig.learningRate, 1e-12)
      assert.closeTo(steps[29]?.learningRate ?? 0, mlpConfig.learningRate / 10, 1e-12)
      for (let i = 1; i < steps.length; i++) assert.isAtMost(steps[i]?.learningRate ?? 1, steps[i - 1]?.learningRate ?? 0)
    }))

  it.effect("reports what it trains on once, before the first step", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      yield* trainCharLm({ ...mlpConfig, steps: 2 }, corpus, {
        onStart: (info) =>
          Effect.sync(() => {
            events.push("start")
            assert.deepStrictEqual(info, {
              tokenizer: "char",
              vocabSize: corpus.vocabulary.length,
              trainChars: corpus.train.length,
              validationChars: corpus.validation.length
            })
          }),
        onStep: (p) => Effect.sync(() => void events.push(`step ${p.step}`))
      })
      assert.deepStrictEqual(events, ["start", "step 1", "step 2"])
    }))

  it.effect("is deterministic for a seed and differs across seeds", () =>
    Effect.gen(function*() {
      const short = { ...mlpConfig, steps: 20 }
      const a = yield* trainCharLm(short, corpus)
      const b = yield* trainCharLm(short, corpus)
      const c = yield* trainCharLm({ ...short, seed: 6 }, corpus)
      assert.deepStrictEqual(a.losses, b.losses)
      assert.strictEqual(a.valLoss, b.valLoss)
      assert.notDeepEqual(a.losses, c.losses)
    }))

  it.effect("interruption stops the loop between steps: no step is reported after it", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const third = yield* Deferred.make<void>()
      const fiber = yield* trainCharLm({ ...mlpConfig, steps: 10_000 }, corpus, {
        onStep: (p) =>
          Effect.suspend(() => {
            seen.push(p.step)
            return seen.length === 3 ? Deferred.succeed(third, undefined) : Effect.void
          })
      }).pipe(Effect.forkChild)
      yield* Deferred.await(third)
      yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.hasInterrupts(exit))
      assert.deepStrictEqual(seen, [1, 2, 3])
    }))

  it.effect("trains on the bundled corpus end to end", () =>
    Effect.gen(function*() {
      const result = yield* trainOnBundledCorpus({ ...bigramConfig, steps: 50 })
      assert.strictEqual(result.vocabulary.length, corpus.vocabulary.length)
      assert.strictEqual(result.losses.length, 50)
      assert.isBelow(result.valLoss, uniformLoss)
    }))

  it.effect("next-character probabilities sum to 1 and favour what the text continues with", () =>
    Effect.gen(function*() {
      const { result } = yield* recordSteps({ ...bigramConfig, steps: 300 })
      const id = (character: string) => result.vocabulary.indexOf(character)
      const afterQ = result.model.probabilities([id("q")])
      assert.closeTo(afterQ.reduce((sum, p) => sum + p, 0), 1, 1e-5)
      let best = 0
      for (let k = 1; k < afterQ.length; k++) if ((afterQ[k] ?? 0) > (afterQ[best] ?? 0)) best = k
      assert.strictEqual(result.vocabulary[best], "u")
    }))
})

describe("sampling text from a trained model", () => {
  it.effect("draws only vocabulary characters, the requested length, the same for the same seed", () =>
    Effect.gen(function*() {
      const result = yield* trainCharLm({ ...mlpConfig, steps: 100 }, corpus)
      const options = { prompt: "First Citizen:\n", length: 200, seed: 11 }
      const a = sampleText(result.model, result.vocabulary, options)
      const b = sampleText(result.model, result.vocabulary, options)
      const c = sampleText(result.model, result.vocabulary, { ...options, seed: 12 })
      assert.strictEqual(Array.from(a).length, 200)
      for (const character of a) assert.include(result.vocabulary, character)
      assert.strictEqual(a, b)
      assert.notStrictEqual(a, c)
      // A trained model writes mostly letters and spaces, far from uniform over the 61 characters.
      const lettersAndSpaces = Array.from(a).filter((ch) => /[a-z ]/.test(ch)).length
      assert.isAbove(lettersAndSpaces, 120)
    }))
})
