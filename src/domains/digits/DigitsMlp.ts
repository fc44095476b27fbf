import { type Parameter, parameterOf } from "../trainer/numerics/Adam.js"
import type { Rng } from "../trainer/numerics/Rng.js"
import { crossEntropy, softmaxInPlace } from "../trainer/numerics/Softmax.js"
import { CLASS_COUNT, type DigitImages, IMAGE_SIZE } from "./MnistDataset.js"

/** Loss and correct predictions summed over one batch. */
export interface BatchOutcome {
  readonly lossSum: number
  readonly correct: number
}

/**
 * 784-H-10 perceptron: ReLU hidden layer, softmax output, cross-entropy loss.
 *
 * Layouts are chosen for the loops: `w1` is input-major (`w1[p * H + j]`) so that each non-zero
 * pixel adds one contiguous row (MNIST images are ~80% zeros, which are skipped in both passes);
 * `w2` is output-major (`w2[k * H + j]`) so that logits are contiguous dot products.
 */
export class DigitsMlp {
  readonly w1: Parameter
  readonly b1: Parameter
  readonly w2: Parameter
  readonly b2: Parameter
  private readonly hiddenAct: Float32Array
  private readonly hiddenGrad: Float32Array
  private readonly outputs: Float32Array

  private constructor(readonly hidden: number, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array) {
    this.w1 = parameterOf(w1)
    this.b1 = parameterOf(b1)
    this.w2 = parameterOf(w2)
    this.b2 = parameterOf(b2)
    this.hiddenAct = new Float32Array(hidden)
    this.hiddenGrad = new Float32Array(hidden)
    this.outputs = new Float32Array(CLASS_COUNT)
  }

  /** He-initialised weights (suits ReLU), zero biases. */
  static initialize(hidden: number, rng: Rng): DigitsMlp {
    const w1 = new Float32Array(IMAGE_SIZE * hidden)
    const w2 = new Float32Array(hidden * CLASS_COUNT)
    rng.fillGaussian(w1, Math.sqrt(2 / IMAGE_SIZE))
    rng.fillGaussian(w2, Math.sqrt(2 / hidden))
    return new DigitsMlp(hidden, w1, new Float32Array(hidden), w2, new Float32Array(CLASS_COUNT))
  }

  /** Rebuilds a model from stored weights; lengths must match `hidden` (checked by the codec). */
  static fromWeights(hidden: number, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array): DigitsMlp {
    return new DigitsMlp(hidden, w1, b1, w2, b2)
  }

  get parameters(): ReadonlyArray<Parameter> {
    return [this.w1, this.b1, this.w2, this.b2]
  }

  /** Forward pass for the image at `offset`; leaves activations and softmax probabilities in buffers. */
  private forward(pixels: Float32Array, offset: number): void {
    const H = this.hidden
    const h = this.hiddenAct
    const w1 = this.w1.values
    h.set(this.b1.values)
    for (let p = 0; p < IMAGE_SIZE; p++) {
      const x = pixels[offset + p] ?? 0
      if (x === 0) continue
      const row = p * H
      for (let j = 0; j < H; j++) h[j] = (h[j] ?? 0) + x * (w1[row + j] ?? 0)
    }
    for (let j = 0; j < H; j++) if ((h[j] ?? 0) < 0) h[j] = 0
    const w2 = this.w2.values
    const b2 = this.b2.values
    const z = this.outputs
    for (let k = 0; k < CLASS_COUNT; k++) {
      let sum = b2[k] ?? 0
      const row = k * H
      for (let j = 0; j < H; j++) sum += (h[j] ?? 0) * (w2[row + j] ?? 0)
      z[k] = sum
    }
    softmaxInPlace(z, CLASS_COUNT)
  }

  private argmaxProbability(): number {
    let best = 0
    for (let k = 1; k < CLASS_COUNT; k++) if ((this.outputs[k] ?? 0) > (this.outputs[best] ?? 0)) best = k
    return best
  }

  /**
   * Forward and backward pass over `order[start..end)`, adding gradients (summed, not averaged) into
   * each parameter's `grad`. Loss and accuracy fall out of the forward pass at no extra cost.
   */
  accumulateBatch(data: DigitImages, order: Int32Array, start: number, end: number): BatchOutcome {
    const H = this.hidden
    const h = this.hiddenAct
    const dh = this.hiddenGrad
    const p = this.outputs
    const w2 = this.w2.values
    const gw1 = this.w1.grad
    const gb1 = this.b1.grad
    const gw2 = this.w2.grad
    const gb2 = this.b2.grad
    let lossSum = 0
    let correct = 0
    for (let s = start; s < end; s++) {
      const index = order[s] ?? 0
      const offset = index * IMAGE_SIZE
      const label = data.labels[index] ?? 0
      this.forward(data.pixels, offset)
      lossSum += crossEntropy(p[label] ?? 0)
      if (this.argmaxProbability() === label) correct++
      // dL/dz = softmax - onehot
      p[label] = (p[label] ?? 0) - 1
      dh.fill(0)
      for (let k = 0; k < CLASS_COUNT; k++) {
        const g = p[k] ?? 0
        gb2[k] = (gb2[k] ?? 0) + g
        const row = k * H
        for (let j = 0; j < H; j++) {
          gw2[row + j] = (gw2[row + j] ?? 0) + g * (h[j] ?? 0)
          dh[j] = (dh[j] ?? 0) + g * (w2[row + j] ?? 0)
        }
      }
      for (let j = 0; j < H; j++) {
        if ((h[j] ?? 0) <= 0) dh[j] = 0
        gb1[j] = (gb1[j] ?? 0) + (dh[j] ?? 0)
      }
      for (let q = 0; q < IMAGE_SIZE; q++) {
        const x = data.pixels[offset + q] ?? 0
        if (x === 0) continue
        const row = q * H
        for (let j = 0; j < H; j++) gw1[row + j] = (gw1[row + j] ?? 0) + x * (dh[j] ?? 0)
      }
    }
    return { lossSum, correct }
  }

  /** Most likely digit for the image at `offset` in `pixels` (784 values in [0, 1]). */
  predictAt(pixels: Float32Array, offset: number): number {
    this.forward(pixels, offset)
    return this.argmaxProbability()
  }

  /** Class probabilities for one 784-pixel image. */
  probabilities(image: Float32Array): Float32Array {
    this.forward(image, 0)
    return Float32Array.from(this.outputs)
  }

  predictAll(images: DigitImages): Uint8Array {
    const out = new Uint8Array(images.count)
    for (let i = 0; i < images.count; i++) out[i] = this.predictAt(images.pixels, i * IMAGE_SIZE)
    return out
  }

  accuracy(images: DigitImages): number {
    if (images.count === 0) return 0
    const predicted = this.predictAll(images)
    let correct = 0
    for (let i = 0; i < images.count; i++) if (predicted[i] === images.labels[i]) correct++
    return correct / images.count
  }
}
