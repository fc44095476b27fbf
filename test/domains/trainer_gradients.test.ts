import { assert, describe, it } from "@effect/vitest"
import { CharBigramModel } from "../../src/domains/trainer/CharBigramModel.js"
import type { CharLanguageModel } from "../../src/domains/trainer/CharLanguageModel.js"
import { CharMlpModel } from "../../src/domains/trainer/CharMlpModel.js"
import { Rng } from "../../src/domains/trainer/numerics/Rng.js"

/** Backpropagated gradients must match central finite differences of the summed loss. */
const checkGradients = (model: CharLanguageModel, tokens: Uint16Array, positions: Int32Array) => {
  const totalLoss = () => Array.from(positions).reduce((sum, t) => sum + model.lossAt(tokens, t), 0)
  model.accumulate(tokens, positions)
  const rng = new Rng(99)
  let checked = 0
  for (const parameter of model.parameters) {
    for (let n = 0; n < 12; n++) {
      const i = rng.int(parameter.values.length)
      const original = parameter.values[i] ?? 0
      const eps = 1e-2
      parameter.values[i] = original + eps
      const up = totalLoss()
      parameter.values[i] = original - eps
      const down = totalLoss()
      parameter.values[i] = original
      const numeric = (up - down) / (2 * eps)
      const analytic = parameter.grad[i] ?? 0
      assert.closeTo(analytic, numeric, 2e-3 + 2e-2 * Math.abs(numeric), `parameter element ${i}`)
      checked++
    }
  }
  return checked
}

const randomTokens = (length: number, vocab: number) => {
  const rng = new Rng(7)
  return Uint16Array.from({ length }, () => rng.int(vocab))
}

describe("language model gradients", () => {
  it("char-mlp backpropagation matches finite differences", () => {
    const model = new CharMlpModel({ vocabSize: 6, contextLength: 3, embedding: 4, hidden: 5 }, new Rng(1))
    const checked = checkGradients(model, randomTokens(40, 6), Int32Array.from([3, 10, 17, 25, 39]))
    assert.strictEqual(checked, 5 * 12)
  })

  it("char-bigram gradient matches finite differences", () => {
    const model = new CharBigramModel(6, new Rng(2))
    const checked = checkGradients(model, randomTokens(40, 6), Int32Array.from([1, 2, 8, 20, 33]))
    assert.strictEqual(checked, 12)
  })
})
