import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { charModelFamilies, decodeTrainerPayload, trainerDefaults } from "../../src/domains/trainer/TrainerPayload.js"

const failureOf = (input: unknown) => Effect.flip(decodeTrainerPayload(input))

describe("TrainerPayload", () => {
  it.effect("fills omitted fields from the defaults and the family", () =>
    Effect.gen(function*() {
      const mlp = yield* decodeTrainerPayload({ model_family: "char-mlp" })
      assert.deepStrictEqual(mlp, {
        family: "char-mlp",
        steps: trainerDefaults.steps,
        batchSize: trainerDefaults.batch_size,
        contextLength: charModelFamilies["char-mlp"].defaultContext,
        learningRate: charModelFamilies["char-mlp"].defaultLearningRate,
        seed: trainerDefaults.seed,
        embedding: 16,
        hidden: 128
      })
      const bigram = yield* decodeTrainerPayload({ model_family: "char-bigram" })
      assert.strictEqual(bigram.contextLength, 1)
      assert.strictEqual(bigram.learningRate, charModelFamilies["char-bigram"].defaultLearningRate)
    }))

  it.effect("keeps given values", () =>
    Effect.gen(function*() {
      const config = yield* decodeTrainerPayload({
        model_family: "char-mlp",
        steps: 10,
        batch_size: 4,
        context_length: 3,
        learning_rate: 0.5,
        seed: 9
      })
      assert.strictEqual(config.steps, 10)
      assert.strictEqual(config.batchSize, 4)
      assert.strictEqual(config.contextLength, 3)
      assert.strictEqual(config.learningRate, 0.5)
      assert.strictEqual(config.seed, 9)
    }))

  it.effect("rejects steps 0", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_family: "char-mlp", steps: 0 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.strictEqual(error.code, "INVALID_CONFIG")
      assert.include(error.message, "steps must be an integer from 1 to 100000")
    }))

  it.effect("rejects a negative learning rate", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_family: "char-mlp", learning_rate: -1 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "learning_rate must be a finite number in (0, 1]")
    }))

  it.effect("rejects a NaN learning rate", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_family: "char-mlp", learning_rate: Number.NaN })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "learning_rate")
    }))

  it.effect("rejects batch size 0", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_family: "char-mlp", batch_size: 0 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "batch_size must be an integer from 1 to 1024")
    }))

  it.effect("rejects context length 0", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_family: "char-mlp", context_length: 0 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "context_length must be an integer from 1 to 64")
    }))

  it.effect("rejects a context longer than the family takes", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_family: "char-bigram", context_length: 4 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "char-bigram takes a context_length of at most 1, got 4")
    }))

  it.effect("rejects an unknown model family, listing the known ones", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_family: "gpt-5" })
      assert.strictEqual(error._tag, "ModelNotFound")
      assert.strictEqual(error.code, "MODEL_NOT_FOUND")
      assert.strictEqual(error.message, `Unknown model family "gpt-5": expected one of char-bigram, char-mlp`)
    }))

  it.effect("requires model_family", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ steps: 5 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "model_family")
    }))
})
