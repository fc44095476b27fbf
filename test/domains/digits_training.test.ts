import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import type { DigitsTrainingConfig } from "../../src/domains/digits/DigitsPayload.js"
import { type DigitsBatchProgress, trainDigits, trainDigitsOnMnist } from "../../src/domains/digits/DigitsTraining.js"
import { type DigitsSplit, loadMnist, splitDigits } from "../../src/domains/digits/MnistDataset.js"

const all = await Effect.runPromise(loadMnist)

const smallConfig: DigitsTrainingConfig = {
  modelId: "mlp-64",
  hidden: 64,
  epochs: 2,
  batchSize: 32,
  learningRate: 0.002,
  seed: 1,
  trainSize: 3000,
  valSize: 1000
}
const smallSplit = splitDigits(all, smallConfig)

const tinyConfig: DigitsTrainingConfig = { ...smallConfig, epochs: 1, trainSize: 640, valSize: 200 }
const tinySplit = splitDigits(all, tinyConfig)

const mean = (values: ReadonlyArray<number>) => values.reduce((sum, v) => sum + v, 0) / values.length

const recordBatches = (config: DigitsTrainingConfig, split: DigitsSplit) =>
  Effect.gen(function*() {
    const batches: Array<DigitsBatchProgress> = []
    const result = yield* trainDigits(config, split, { onBatch: (p) => Effect.sync(() => void batches.push(p)) })
    return { result, batches }
  })

/** Ticks of a concurrent fiber between the start of training and the end of its first epoch. */
const ticksDuringFirstEpoch = (yieldEveryBatches: number) =>
  Effect.gen(function*() {
    let ticks = 0
    const ticker = yield* Effect.forkChild(Effect.forever(Effect.sync(() => ticks++).pipe(Effect.andThen(Effect.yieldNow))), {
      startImmediately: true
    })
    const ticksAtStart = ticks
    let ticksAtEpochEnd = -1
    yield* trainDigits(tinyConfig, tinySplit, {
      yieldEveryBatches,
      onEpoch: () => Effect.sync(() => void (ticksAtEpochEnd = ticks))
    })
    yield* Fiber.interrupt(ticker)
    return ticksAtEpochEnd - ticksAtStart
  })

describe("digits training", () => {
  it.effect("learns: >= 85% validation accuracy after 2 epochs on 3,000 digits, batch loss falls", () =>
    Effect.gen(function*() {
      const epochs: Array<number> = []
      const batchLosses: Array<number> = []
      const result = yield* trainDigits(smallConfig, smallSplit, {
        onBatch: (p) => Effect.sync(() => void batchLosses.push(p.batchLoss)),
        onEpoch: (p) => Effect.sync(() => void epochs.push(p.valAcc))
      })
      assert.isAtLeast(result.valAcc, 0.85)
      assert.strictEqual(result.valAcc, result.model.accuracy(smallSplit.validation))
      assert.deepStrictEqual(epochs, result.epochs.map((e) => e.valAcc))
      const window = 20
      const first = mean(batchLosses.slice(0, window))
      const last = mean(batchLosses.slice(-window))
      assert.isBelow(last, first / 3, `first ${window} batches ${first}, last ${window} ${last}`)
      assert.isBelow(result.epochs[1]?.trainLoss ?? Infinity, result.epochs[0]?.trainLoss ?? 0)
    }))

  it.effect("reports every batch with consistent counters and figures", () =>
    Effect.gen(function*() {
      const { result, batches } = yield* recordBatches({ ...tinyConfig, epochs: 2, batchSize: 100 }, tinySplit)
      // 640 samples in batches of 100: six full batches and one of 40, twice.
      assert.strictEqual(batches.length, 14)
      assert.strictEqual(result.batchesRun, 14)
      assert.deepStrictEqual(batches.map((b) => `${b.epoch}.${b.batch}`), [
        "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7",
        "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"
      ])
      for (const b of batches) {
        assert.strictEqual(b.totalBatches, 7)
        assert.strictEqual(b.totalEpochs, 2)
        assert.isTrue(b.batchAcc >= 0 && b.batchAcc <= 1)
        assert.isAbove(b.samplesPerSec, 0)
        assert.isTrue(Number.isFinite(b.batchLoss) && b.batchLoss > 0)
      }
      // avgLoss of the last batch of an epoch is the epoch's training loss.
      assert.closeTo(batches[6]?.avgLoss ?? 0, result.epochs[0]?.trainLoss ?? -1, 1e-9)
      const firstEpoch = batches.slice(0, 7)
      const weighted = firstEpoch.reduce((sum, b) => sum + b.batchLoss * (b.batch === 7 ? 40 : 100), 0) / 640
      assert.closeTo(result.epochs[0]?.trainLoss ?? 0, weighted, 1e-9)
    }))

  it.effect("is deterministic for a seed and differs across seeds", () =>
    Effect.gen(function*() {
      const a = yield* recordBatches(tinyConfig, tinySplit)
      const b = yield* recordBatches(tinyConfig, tinySplit)
      const c = yield* recordBatches({ ...tinyConfig, seed: 2 }, tinySplit)
      assert.deepStrictEqual(a.batches.map((x) => x.batchLoss), b.batches.map((x) => x.batchLoss))
      assert.deepStrictEqual(a.result.model.w1.values, b.result.model.w1.values)
      assert.deepStrictEqual(a.result.model.predictAll(tinySplit.validation), b.result.model.predictAll(tinySplit.validation))
      assert.notDeepEqual(a.batches.map((x) => x.batchLoss), c.batches.map((x) => x.batchLoss))
    }))

  it.effect("interruption stops the loop between batches: no batch is reported after it", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const fifth = yield* Deferred.make<void>()
      const fiber = yield* trainDigits({ ...smallConfig, epochs: 5 }, smallSplit, {
        onBatch: (p) =>
          Effect.suspend(() => {
            seen.push(p.batch)
            return seen.length === 5 ? Deferred.succeed(fifth, undefined) : Effect.void
          })
      }).pipe(Effect.forkChild)
      yield* Deferred.await(fifth)
      yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.hasInterrupts(exit))
      assert.deepStrictEqual(seen, [1, 2, 3, 4, 5])
    }))

  it.effect("yields so that other fibers run during an epoch; with yields off and no hooks they do not", () =>
    Effect.gen(function*() {
      // 20 batches with a yield after each: the ticker gets the thread many times within the epoch.
      assert.isAtLeast(yield* ticksDuringFirstEpoch(1), 5)
      assert.strictEqual(yield* ticksDuringFirstEpoch(0), 0)
    }))

  it.effect("a NaN in the input makes the loss NaN and fails with Diverged", () =>
    Effect.gen(function*() {
      const pixels = Float32Array.from(tinySplit.train.pixels)
      pixels.fill(Number.NaN, 0, pixels.length)
      const error = yield* Effect.flip(trainDigits(tinyConfig, { ...tinySplit, train: { ...tinySplit.train, pixels } }))
      assert.strictEqual(error._tag, "Diverged")
      assert.strictEqual(error.code, "DIVERGED")
      assert.strictEqual(error.step, 1)
      assert.include(error.message, "lower learning_rate")
    }))
})

describe("digits training on the bundled MNIST digits", () => {
  it.effect("loads, splits and trains in one call", () =>
    Effect.gen(function*() {
      const result = yield* trainDigitsOnMnist({ ...tinyConfig, trainSize: 1000 })
      assert.strictEqual(result.batchesRun, Math.ceil(1000 / tinyConfig.batchSize))
      assert.isAbove(result.valAcc, 0.5)
    }))

  it.effect("sizes beyond the dataset are InvalidConfig", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(trainDigitsOnMnist({ ...tinyConfig, trainSize: 9500, valSize: 1000 }))
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "exceeds the 10000 digits available")
    }))
})
