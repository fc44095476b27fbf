import type { CharLanguageModel } from "./CharLanguageModel.js"
import { type Parameter, parameterOf } from "./numerics/Adam.js"
import type { Rng } from "./numerics/Rng.js"
import { crossEntropy, softmaxInPlace } from "./numerics/Softmax.js"

/** Next-character logits read from one row per previous character: `logits = table[prev]`. */
export class CharBigramModel implements CharLanguageModel {
  readonly contextLength = 1
  readonly table: Parameter
  private readonly probs: Float32Array

  constructor(readonly vocabSize: number, rng: Rng) {
    const values = new Float32Array(vocabSize * vocabSize)
    rng.fillGaussian(values, 0.01)
    this.table = parameterOf(values)
    this.probs = new Float32Array(vocabSize)
  }

  get parameters(): ReadonlyArray<Parameter> {
    return [this.table]
  }

  private forward(previous: number): Float32Array {
    const V = this.vocabSize
    this.probs.set(this.table.values.subarray(previous * V, (previous + 1) * V))
    softmaxInPlace(this.probs, V)
    return this.probs
  }

  accumulate(tokens: Uint16Array, positions: Int32Array): number {
    const V = this.vocabSize
    const grad = this.table.grad
    let lossSum = 0
    for (const t of positions) {
      const previous = tokens[t - 1] ?? 0
      const target = tokens[t] ?? 0
      const p = this.forward(previous)
      lossSum += crossEntropy(p[target] ?? 0)
      const row = previous * V
      for (let k = 0; k < V; k++) grad[row + k] = (grad[row + k] ?? 0) + (p[k] ?? 0) - (k === target ? 1 : 0)
    }
    return lossSum
  }

  lossAt(tokens: Uint16Array, t: number): number {
    return crossEntropy(this.forward(tokens[t - 1] ?? 0)[tokens[t] ?? 0] ?? 0)
  }

  probabilities(context: ReadonlyArray<number>): Float32Array {
    return Float32Array.from(this.forward(context.at(-1) ?? 0))
  }
}
