/** Replaces the first `n` logits with their softmax probabilities (max-shifted, so large logits do not overflow). */
export const softmaxInPlace = (z: Float32Array, n: number): void => {
  let max = -Infinity
  for (let k = 0; k < n; k++) if ((z[k] ?? 0) > max) max = z[k] ?? 0
  let total = 0
  for (let k = 0; k < n; k++) {
    const e = Math.exp((z[k] ?? 0) - max)
    z[k] = e
    total += e
  }
  for (let k = 0; k < n; k++) z[k] = (z[k] ?? 0) / total
}

/** Cross-entropy of a probability, floored so that a zero probability gives a large finite loss. */
export const crossEntropy = (probability: number): number => -Math.log(Math.max(probability, 1e-12))
