import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { decodeDigitsPayload, digitsDefaults } from "../../src/domains/digits/DigitsPayload.js"

const failureOf = (input: unknown) => Effect.flip(decodeDigitsPayload(input))

describe("DigitsPayload", () => {
  it.effect("fills omitted fields with the defaults and resolves the model width", () =>
    Effect.gen(function*() {
      const config = yield* decodeDigitsPayload({ model_id: "mlp-128" })
      assert.deepStrictEqual(config, {
        modelId: "mlp-128",
        hidden: 128,
        epochs: digitsDefaults.epochs,
        batchSize: digitsDefaults.batch_size,
        learningRate: digitsDefaults.learning_rate,
        seed: digitsDefaults.seed,
        trainSize: digitsDefaults.train_size,
        valSize: digitsDefaults.val_size
      })
    }))

  it.effect("keeps given values", () =>
    Effect.gen(function*() {
      const config = yield* decodeDigitsPayload({
        model_id: "mlp-32",
        epochs: 3,
        batch_size: 16,
        learning_rate: 0.01,
        seed: -7,
        train_size: 500,
        val_size: 200
      })
      assert.strictEqual(config.hidden, 32)
      assert.strictEqual(config.epochs, 3)
      assert.strictEqual(config.batchSize, 16)
      assert.strictEqual(config.learningRate, 0.01)
      assert.strictEqual(config.seed, -7)
      assert.strictEqual(config.trainSize, 500)
      assert.strictEqual(config.valSize, 200)
    }))

  it.effect("rejects epochs 0", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_id: "mlp-64", epochs: 0 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.strictEqual(error.code, "INVALID_CONFIG")
      assert.include(error.message, "epochs must be an integer from 1 to 100")
    }))

  it.effect("rejects fractional epochs", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_id: "mlp-64", epochs: 1.5 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "epochs")
    }))

  it.effect("rejects a negative learning rate", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_id: "mlp-64", learning_rate: -0.1 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "learning_rate must be a finite number in (0, 1]")
    }))

  it.effect("rejects an infinite learning rate", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_id: "mlp-64", learning_rate: Number.POSITIVE_INFINITY })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "learning_rate")
    }))

  it.effect("rejects a batch size out of range", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_id: "mlp-64", batch_size: 4096 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "batch_size must be an integer from 1 to 1024")
    }))

  it.effect("rejects a non-integer seed", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_id: "mlp-64", seed: 0.5 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "seed")
    }))

  it.effect("rejects an unknown model with the known ids in the message", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_id: "resnet-50" })
      assert.strictEqual(error._tag, "ModelNotFound")
      assert.strictEqual(error.code, "MODEL_NOT_FOUND")
      assert.strictEqual(error.message, `Unknown digits model "resnet-50": expected one of mlp-32, mlp-64, mlp-128`)
    }))

  it.effect("requires model_id", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ epochs: 2 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "model_id")
    }))

  it.effect("rejects train and validation sizes that do not fit in the 10,000 digits", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ model_id: "mlp-64", train_size: 9500, val_size: 1000 })
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "train_size + val_size must be at most 10000, got 10500")
    }))

  it.effect("rejects a payload that is not an object", () =>
    Effect.gen(function*() {
      const error = yield* failureOf("mlp-64")
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "Invalid digits payload")
    }))
})
