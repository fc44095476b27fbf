import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { decodeDigitsModel, encodeDigitsModel } from "../../src/domains/digits/DigitsModelCodec.js"
import type { DigitsTrainingConfig } from "../../src/domains/digits/DigitsPayload.js"
import { trainDigits } from "../../src/domains/digits/DigitsTraining.js"
import { loadMnist, splitDigits } from "../../src/domains/digits/MnistDataset.js"

const config: DigitsTrainingConfig = {
  modelId: "mlp-32",
  hidden: 32,
  epochs: 1,
  batchSize: 32,
  learningRate: 0.002,
  seed: 3,
  trainSize: 800,
  valSize: 300
}
const split = splitDigits(await Effect.runPromise(loadMnist), config)
const trained = await Effect.runPromise(trainDigits(config, split))
const info = { runId: "run-42", config, valAcc: trained.valAcc, createdAt: "2026-11-23T01:00:00.000Z" }

describe("digits model codec", () => {
  it.effect("round trip gives identical weights, predictions and probabilities", () =>
    Effect.gen(function*() {
      const artifact = yield* encodeDigitsModel(trained.model, info)
      const { model, manifest } = yield* decodeDigitsModel(artifact)
      assert.deepStrictEqual(model.predictAll(split.validation), trained.model.predictAll(split.validation))
      for (const [i, parameter] of model.parameters.entries()) {
        assert.deepStrictEqual(parameter.values, trained.model.parameters[i]?.values)
      }
      const image = split.validation.pixels.subarray(0, 784)
      assert.deepStrictEqual(model.probabilities(image), trained.model.probabilities(image))
      assert.strictEqual(manifest.run_id, "run-42")
      assert.strictEqual(manifest.model_id, "mlp-32")
      assert.strictEqual(manifest.created_at, "2026-11-23T01:00:00.000Z")
      assert.strictEqual(manifest.val_acc, trained.valAcc)
      assert.deepStrictEqual(manifest.config, {
        epochs: 1,
        batch_size: 32,
        learning_rate: 0.002,
        seed: 3,
        train_size: 800,
        val_size: 300
      })
      assert.strictEqual(manifest.weights_bytes, artifact.modelBytes.byteLength)
      assert.strictEqual(artifact.modelBytes.byteLength, 16 + 4 * (784 * 32 + 32 + 32 * 10 + 10))
    }))

  it.effect("stamps created_at from the clock when none is given", () =>
    Effect.gen(function*() {
      const { createdAt: _, ...withoutTime } = info
      const artifact = yield* encodeDigitsModel(trained.model, withoutTime)
      const { manifest } = yield* decodeDigitsModel(artifact)
      assert.match(manifest.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/)
    }))

  it.effect("rejects weights whose magic is wrong", () =>
    Effect.gen(function*() {
      const artifact = yield* encodeDigitsModel(trained.model, info)
      const modelBytes = Uint8Array.from(artifact.modelBytes)
      modelBytes[0] = 0
      const error = yield* Effect.flip(decodeDigitsModel({ ...artifact, modelBytes }))
      assert.strictEqual(error._tag, "ModelArtifactInvalid")
      assert.include(error.message, "DGM1 magic")
    }))

  it.effect("rejects truncated weights", () =>
    Effect.gen(function*() {
      const artifact = yield* encodeDigitsModel(trained.model, info)
      const error = yield* Effect.flip(
        decodeDigitsModel({ ...artifact, modelBytes: artifact.modelBytes.subarray(0, artifact.modelBytes.length - 4) })
      )
      assert.include(error.message, "bytes of weights")
    }))

  it.effect("rejects weights of another width than the manifest says", () =>
    Effect.gen(function*() {
      const artifact = yield* encodeDigitsModel(trained.model, info)
      const manifestJson = artifact.manifestJson.replace(`"model_id":"mlp-32"`, `"model_id":"mlp-64"`).replace(
        `"hidden":32`,
        `"hidden":64`
      )
      const error = yield* Effect.flip(decodeDigitsModel({ ...artifact, manifestJson }))
      assert.include(error.message, "weights are 784-32-10, manifest says 784-64-10")
    }))

  it.effect("rejects a manifest with a missing field, naming it", () =>
    Effect.gen(function*() {
      const artifact = yield* encodeDigitsModel(trained.model, info)
      const error = yield* Effect.flip(decodeDigitsModel({ ...artifact, manifestJson: artifact.manifestJson.replace(`"run_id"`, `"runId"`) }))
      assert.strictEqual(error._tag, "ModelArtifactInvalid")
      assert.include(error.message, "run_id")
    }))

  it.effect("rejects a manifest that is not JSON", () =>
    Effect.gen(function*() {
      const artifact = yield* encodeDigitsModel(trained.model, info)
      const error = yield* Effect.flip(decodeDigitsModel({ ...artifact, manifestJson: "{not json" }))
      assert.strictEqual(error._tag, "ModelArtifactInvalid")
      assert.include(error.message, "manifest")
    }))
})
