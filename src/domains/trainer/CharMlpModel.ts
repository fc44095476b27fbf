import type { CharLanguageModel } from "./CharLanguageModel.js"
import { type Parameter, parameterOf } from "./numerics/Adam.js"
import type { Rng } from "./numerics/Rng.js"
import { crossEntropy, softmaxInPlace } from "./numerics/Softmax.js"

export interface CharMlpSizes {
  readonly vocabSize: number
  readonly contextLength: number
  readonly embedding: number
  readonly hidden: number
}

/**
 * Bengio-style neural LM: the embeddings of the last C characters are concatenated (C*D inputs),
 * fed through one tanh layer of H units and a softmax over the vocabulary.
 * `w1` is input-major (`w1[i * H + j]`), `w2` output-major (`w2[k * H + j]`), so every inner loop is contiguous.
 */
export class CharMlpModel implements CharLanguageModel {
  readonly contextLength: number
  readonly vocabSize: number
  readonly embed: Parameter
  readonly w1: Parameter
  readonly b1: Parameter
  readonly w2: Parameter
  readonly b2: Parameter
  private readonly D: number
  private readonly H: number
  private readonly x: Float32Array
  private readonly h: Float32Array
  private readonly dh: Float32Array
  private readonly dx: Float32Array
  private readonly probs: Float32Array

  constructor(sizes: CharMlpSizes, rng: Rng) {
    const { vocabSize: V, contextLength: C, embedding: D, hidden: H } = sizes
    this.contextLength = C
    this.vocabSize = V
    this.D = D
    this.H = H
    const embed = new Float32Array(V * D)
    const w1 = new Float32Array(C * D * H)
    const w2 = new Float32Array(V * H)
    rng.fillGaussian(embed, 1)
    rng.fillGaussian(w1, 1 / Math.sqrt(C * D))
    rng.fillGaussian(w2, 0.1 / Math.sqrt(H))
    this.embed = parameterOf(embed)
    this.w1 = parameterOf(w1)
    this.b1 = parameterOf(new Float32Array(H))
    this.w2 = parameterOf(w2)
    this.b2 = parameterOf(new Float32Array(V))
    this.x = new Float32Array(C * D)
    this.h = new Float32Array(H)
    this.dh = new Float32Array(H)
    this.dx = new Float32Array(C * D)
    this.probs = new Float32Array(V)
  }

  get parameters(): ReadonlyArray<Parameter> {
    return [this.embed, this.w1, this.b1, this.w2, this.b2]
  }

  /** Forward pass for the context `context[0..C)`; leaves x, h and the probabilities in buffers. */
  private forward(context: (c: number) => number): Float32Array {
    const { D, H, x, h, probs } = this
    const C = this.contextLength
    const V = this.vocabSize
    const embed = this.embed.values
    for (let c = 0; c < C; c++) x.set(embed.subarray(context(c) * D, context(c) * D + D), c * D)
    const w1 = this.w1.values
    h.set(this.b1.values)
    for (let i = 0; i < C * D; i++) {
      const xi = x[i] ?? 0
      const row = i * H
      for (let j = 0; j < H; j++) h[j] = (h[j] ?? 0) + xi * (w1[row + j] ?? 0)
    }
    for (let j = 0; j < H; j++) h[j] = Math.tanh(h[j] ?? 0)
    const w2 = this.w2.values
    const b2 = this.b2.values
    for (let k = 0; k < V; k++) {
      let sum = b2[k] ?? 0
      const row = k * H
      for (let j = 0; j < H; j++) sum += (h[j] ?? 0) * (w2[row + j] ?? 0)
      probs[k] = sum
    }
    softmaxInPlace(probs, V)
    return probs
  }

  private forwardAt(tokens: Uint16Array, t: number): Float32Array {
    const start = t - this.contextLength
    return this.forward((c) => tokens[start + c] ?? 0)
  }

  accumulate(tokens: Uint16Array, positions: Int32Array): number {
    const { D, H, x, h, dh, dx } = this
    const C = this.contextLength
    const V = this.vocabSize
    const w1 = this.w1.values
    const w2 = this.w2.values
    const gEmbed = this.embed.grad
    const gw1 = this.w1.grad
    const gb1 = this.b1.grad
    const gw2 = this.w2.grad
    const gb2 = this.b2.grad
    let lossSum = 0
    for (const t of positions) {
      const target = tokens[t] ?? 0
      const p = this.forwardAt(tokens, t)
      lossSum += crossEntropy(p[target] ?? 0)
      p[target] = (p[target] ?? 0) - 1 // dL/dlogits = softmax - onehot
      dh.fill(0)
      for (let k = 0; k < V; k++) {
        const g = p[k] ?? 0
        gb2[k] = (gb2[k] ?? 0) + g
        const row = k * H
        for (let j = 0; j < H; j++) {
          gw2[row + j] = (gw2[row + j] ?? 0) + g * (h[j] ?? 0)
          dh[j] = (dh[j] ?? 0) + g * (w2[row + j] ?? 0)
        }
      }
      for (let j = 0; j < H; j++) {
        const hj = h[j] ?? 0
        dh[j] = (dh[j] ?? 0) * (1 - hj * hj) // through tanh
        gb1[j] = (gb1[j] ?? 0) + (dh[j] ?? 0)
      }
      for (let i = 0; i < C * D; i++) {
        const xi = x[i] ?? 0
        const row = i * H
        let back = 0
        for (let j = 0; j < H; j++) {
          const dj = dh[j] ?? 0
          gw1[row + j] = (gw1[row + j] ?? 0) + xi * dj
          back += (w1[row + j] ?? 0) * dj
        }
        dx[i] = back
      }
      const start = t - C
      for (let c = 0; c < C; c++) {
        const base = (tokens[start + c] ?? 0) * D
        for (let d = 0; d < D; d++) gEmbed[base + d] = (gEmbed[base + d] ?? 0) + (dx[c * D + d] ?? 0)
      }
    }
    return lossSum
  }

  lossAt(tokens: Uint16Array, t: number): number {
    return crossEntropy(this.forwardAt(tokens, t)[tokens[t] ?? 0] ?? 0)
  }

  probabilities(context: ReadonlyArray<number>): Float32Array {
    const offset = context.length - this.contextLength
    return Float32Array.from(this.forward((c) => context[offset + c] ?? 0))
  }
}
