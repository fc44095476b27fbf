/** A parameter tensor and the gradient the model accumulates into it, flat and of equal length. */
export interface Parameter {
  readonly values: Float32Array
  readonly grad: Float32Array
}

/**
 * Adam (Kingma & Ba) with bias correction. Moment buffers are allocated once, so a step does not
 * allocate; the learning rate is passed per step so that callers can schedule it.
 */
export class Adam {
  private readonly first: ReadonlyArray<Float32Array>
  private readonly second: ReadonlyArray<Float32Array>
  private steps = 0

  constructor(
    private readonly parameters: ReadonlyArray<Parameter>,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8
  ) {
    this.first = parameters.map((p) => new Float32Array(p.values.length))
    this.second = parameters.map((p) => new Float32Array(p.values.length))
  }

  /** Applies the accumulated gradients scaled by `gradScale` (e.g. 1 / batch size), then clears them. */
  step(learningRate: number, gradScale: number): void {
    this.steps++
    const { beta1, beta2, epsilon } = this
    const correction1 = 1 - Math.pow(beta1, this.steps)
    const correction2 = 1 - Math.pow(beta2, this.steps)
    const stepSize = learningRate / correction1
    for (let k = 0; k < this.parameters.length; k++) {
      const parameter = this.parameters[k]
      const m = this.first[k]
      const v = this.second[k]
      if (parameter === undefined || m === undefined || v === undefined) continue
      const { values, grad } = parameter
      for (let i = 0; i < values.length; i++) {
        const g = (grad[i] ?? 0) * gradScale
        const mi = beta1 * (m[i] ?? 0) + (1 - beta1) * g
        const vi = beta2 * (v[i] ?? 0) + (1 - beta2) * g * g
        m[i] = mi
        v[i] = vi
        values[i] = (values[i] ?? 0) - (stepSize * mi) / (Math.sqrt(vi / correction2) + epsilon)
      }
      grad.fill(0)
    }
  }
}

/** Wraps weights with a zeroed gradient of the same length. */
export const parameterOf = (values: Float32Array): Parameter => ({ values, grad: new Float32Array(values.length) })
