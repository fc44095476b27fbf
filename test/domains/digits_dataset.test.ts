import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { IMAGE_SIZE, loadMnist, splitDigits } from "../../src/domains/digits/MnistDataset.js"

const imageKey = (pixels: Float32Array, index: number) => pixels.subarray(index * IMAGE_SIZE, (index + 1) * IMAGE_SIZE).join(",")

describe("MNIST dataset", () => {
  it.effect("loads the 10,000 digits the mnist package ships, every class present, pixels in [0, 1]", () =>
    Effect.gen(function*() {
      const all = yield* loadMnist
      assert.strictEqual(all.count, 10_000)
      assert.strictEqual(all.pixels.length, 10_000 * IMAGE_SIZE)
      const perClass = new Uint32Array(10)
      for (const label of all.labels) perClass[label] = (perClass[label] ?? 0) + 1
      for (const count of perClass) assert.isAbove(count, 800)
      let min = Infinity
      let max = -Infinity
      for (const value of all.pixels) {
        if (value < min) min = value
        if (value > max) max = value
      }
      assert.strictEqual(min, 0)
      assert.isAbove(max, 0.9)
      assert.isAtMost(max, 1)
    }))

  it.effect("splits deterministically into disjoint training and validation sets", () =>
    Effect.gen(function*() {
      const all = yield* loadMnist
      const first = splitDigits(all, { trainSize: 2000, valSize: 500 })
      const second = splitDigits(all, { trainSize: 2000, valSize: 500 })
      assert.strictEqual(first.train.count, 2000)
      assert.strictEqual(first.validation.count, 500)
      assert.deepStrictEqual(first.train.labels, second.train.labels)
      assert.deepStrictEqual(first.validation.pixels, second.validation.pixels)
      const validationImages = new Set(Array.from({ length: 500 }, (_, i) => imageKey(first.validation.pixels, i)))
      let shared = 0
      for (let i = 0; i < 2000; i++) if (validationImages.has(imageKey(first.train.pixels, i))) shared++
      // MNIST holds a handful of byte-identical images, so allow a few coincidences but no systematic overlap.
      assert.isAtMost(shared, 5)
    }))

  it.effect("a smaller training set is a prefix of a larger one with the same validation set", () =>
    Effect.gen(function*() {
      const all = yield* loadMnist
      const small = splitDigits(all, { trainSize: 100, valSize: 300 })
      const large = splitDigits(all, { trainSize: 1000, valSize: 300 })
      assert.deepStrictEqual(small.validation.labels, large.validation.labels)
      assert.deepStrictEqual(small.train.labels, large.train.labels.subarray(0, 100))
    }))
})
