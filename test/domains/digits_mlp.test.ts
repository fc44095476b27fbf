import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { DigitsMlp } from "../../src/domains/digits/DigitsMlp.js"
import { loadMnist, splitDigits } from "../../src/domains/digits/MnistDataset.js"
import { Rng } from "../../src/domains/trainer/numerics/Rng.js"

const { train } = splitDigits(await Effect.runPromise(loadMnist), { trainSize: 6, valSize: 0 })
const order = Int32Array.from([0, 1, 2, 3, 4, 5])

const totalLoss = (model: DigitsMlp) => {
  let sum = 0
  for (let s = 0; s < train.count; s++) {
    const probabilities = model.probabilities(train.pixels.subarray(s * 784, (s + 1) * 784))
    sum -= Math.log(probabilities[train.labels[s] ?? 0] ?? 0)
  }
  return sum
}

describe("digits MLP", () => {
  it("backpropagation matches finite differences on real digits", () => {
    const model = DigitsMlp.initialize(8, new Rng(4))
    const outcome = model.accumulateBatch(train, order, 0, train.count)
    assert.closeTo(outcome.lossSum, totalLoss(model), 1e-4)
    const rng = new Rng(5)
    for (const parameter of model.parameters) {
      let compared = 0
      while (compared < 10) {
        const i = rng.int(parameter.values.length)
        const analytic = parameter.grad[i] ?? 0
        // w1 rows of always-zero pixels have zero gradient; sample weights that carry signal.
        if (parameter === model.w1 && analytic === 0) continue
        const original = parameter.values[i] ?? 0
        // Small step: a larger one moves some hidden pre-activations across the ReLU kink.
        const eps = 1e-3
        parameter.values[i] = original + eps
        const up = totalLoss(model)
        parameter.values[i] = original - eps
        const down = totalLoss(model)
        parameter.values[i] = original
        const numeric = (up - down) / (2 * eps)
        assert.closeTo(analytic, numeric, 2e-3 + 2e-2 * Math.abs(numeric), `parameter element ${i}`)
        compared++
      }
    }
  })

  it("probabilities form a distribution and the prediction is their argmax", () => {
    const model = DigitsMlp.initialize(16, new Rng(8))
    const image = train.pixels.subarray(0, 784)
    const probabilities = model.probabilities(image)
    assert.strictEqual(probabilities.length, 10)
    assert.closeTo(probabilities.reduce((sum, p) => sum + p, 0), 1, 1e-5)
    const argmax = probabilities.indexOf(Math.max(...probabilities))
    assert.strictEqual(model.predictAt(train.pixels, 0), argmax)
  })
})
