/**
 * Seeded pseudo-random numbers (mulberry32): the same seed gives the same weights and the same
 * batch order on every machine, which is what makes a training run reproducible.
 */
export class Rng {
  private state: number
  private spareGaussian: number | undefined = undefined

  constructor(seed: number) {
    // Mix the seed so that neighbouring seeds (1, 2, 3) start far apart.
    this.state = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Standard normal sample (Box-Muller, the second value of each pair is kept for the next call). */
  gaussian(): number {
    if (this.spareGaussian !== undefined) {
      const spare = this.spareGaussian
      this.spareGaussian = undefined
      return spare
    }
    const u = 1 - this.next()
    const v = this.next()
    const radius = Math.sqrt(-2 * Math.log(u))
    this.spareGaussian = radius * Math.sin(2 * Math.PI * v)
    return radius * Math.cos(2 * Math.PI * v)
  }

  /** Fisher-Yates shuffle in place. */
  shuffle(values: Int32Array): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = values[i] ?? 0
      values[i] = values[j] ?? 0
      values[j] = tmp
    }
  }

  /** Fills `target` with normal samples scaled by `std`. */
  fillGaussian(target: Float32Array, std: number): void {
    for (let i = 0; i < target.length; i++) target[i] = this.gaussian() * std
  }
}

/** 0, 1, ..., n - 1 in a fresh array. */
export const range = (n: number): Int32Array => {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}
