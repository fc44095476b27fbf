import { Effect } from "effect"
import { Adam } from "../trainer/numerics/Adam.js"
import { range, Rng } from "../trainer/numerics/Rng.js"
import { DEFAULT_YIELD_EVERY, wallMillis, yieldAfterStep } from "../trainer/TrainingCadence.js"
import { Diverged, InvalidConfig } from "../trainer/TrainingErrors.js"
import { DigitsMlp } from "./DigitsMlp.js"
import type { DigitsTrainingConfig } from "./DigitsPayload.js"
import type { DigitsError } from "./DigitsErrors.js"
import { type DigitsSplit, loadMnist, splitDigits } from "./MnistDataset.js"

/** Reported after every batch; all figures come from the forward pass the batch already made. */
export interface DigitsBatchProgress {
  readonly epoch: number
  readonly totalEpochs: number
  readonly batch: number
  readonly totalBatches: number
  readonly batchLoss: number
  readonly batchAcc: number
  /** Mean loss over the batches of this epoch so far. */
  readonly avgLoss: number
  /** Training samples per second over this epoch so far. */
  readonly samplesPerSec: number
}

/** Reported after every epoch, once the validation digits are scored. */
export interface DigitsEpochProgress {
  readonly epoch: number
  readonly totalEpochs: number
  readonly trainLoss: number
  readonly valAcc: number
  readonly timeS: number
  /** True when this epoch's validation accuracy beats every earlier epoch. */
  readonly improved: boolean
}

export interface DigitsTrainingHooks<E, R> {
  readonly onBatch?: (progress: DigitsBatchProgress) => Effect.Effect<void, E, R>
  readonly onEpoch?: (progress: DigitsEpochProgress) => Effect.Effect<void, E, R>
  /** Yield to other fibers every this many batches (0: never). Defaults to `DEFAULT_YIELD_EVERY`. */
  readonly yieldEveryBatches?: number
}

export interface DigitsTrainingResult {
  readonly model: DigitsMlp
  /** Validation accuracy of the returned (final) weights. */
  readonly valAcc: number
  readonly bestValAcc: number
  readonly bestEpoch: number
  readonly epochs: ReadonlyArray<DigitsEpochProgress>
  readonly batchesRun: number
  /** Seconds spent in optimisation steps (hooks included, validation scoring excluded). */
  readonly trainTimeS: number
  readonly timeS: number
}

/**
 * Mini-batch Adam on the training digits, scored on the validation digits after every epoch.
 * Deterministic for a given seed (initial weights and batch order come from it). Interruptible
 * between batches: the fiber yields every `yieldEveryBatches` batches and when a hook suspends.
 */
export const trainDigits = <E = never, R = never>(
  config: DigitsTrainingConfig,
  split: DigitsSplit,
  hooks: DigitsTrainingHooks<E, R> = {}
): Effect.Effect<DigitsTrainingResult, Diverged | E, R> =>
  Effect.gen(function*() {
    const { train, validation } = split
    const rng = new Rng(config.seed)
    const model = DigitsMlp.initialize(config.hidden, rng)
    const optimizer = new Adam(model.parameters)
    const order = range(train.count)
    const totalBatches = Math.ceil(train.count / config.batchSize)
    const maybeYield = yieldAfterStep(hooks.yieldEveryBatches ?? DEFAULT_YIELD_EVERY)
    const epochs: Array<DigitsEpochProgress> = []
    const runStart = wallMillis()
    let bestValAcc = -1
    let bestEpoch = 0
    let batchesRun = 0
    let trainMillis = 0

    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      rng.shuffle(order)
      const epochStart = wallMillis()
      let lossSum = 0
      let seen = 0
      for (let batch = 1; batch <= totalBatches; batch++) {
        const start = (batch - 1) * config.batchSize
        const end = Math.min(start + config.batchSize, train.count)
        const size = end - start
        const outcome = model.accumulateBatch(train, order, start, end)
        const batchLoss = outcome.lossSum / size
        batchesRun++
        if (!Number.isFinite(batchLoss)) {
          return yield* new Diverged({
            step: batchesRun,
            loss: batchLoss,
            message: `Digits training diverged at epoch ${epoch}, batch ${batch}: loss is ${batchLoss}; lower learning_rate`
          })
        }
        optimizer.step(config.learningRate, 1 / size)
        lossSum += outcome.lossSum
        seen += size
        if (hooks.onBatch !== undefined) {
          const elapsedS = Math.max((wallMillis() - epochStart) / 1000, 1e-9)
          yield* hooks.onBatch({
            epoch,
            totalEpochs: config.epochs,
            batch,
            totalBatches,
            batchLoss,
            batchAcc: outcome.correct / size,
            avgLoss: lossSum / seen,
            samplesPerSec: seen / elapsedS
          })
        }
        yield* maybeYield(batchesRun)
      }
      trainMillis += wallMillis() - epochStart
      const valAcc = model.accuracy(validation)
      const improved = valAcc > bestValAcc
      if (improved) {
        bestValAcc = valAcc
        bestEpoch = epoch
      }
      const progress: DigitsEpochProgress = {
        epoch,
        totalEpochs: config.epochs,
        trainLoss: lossSum / seen,
        valAcc,
        timeS: (wallMillis() - epochStart) / 1000,
        improved
      }
      epochs.push(progress)
      if (hooks.onEpoch !== undefined) yield* hooks.onEpoch(progress)
    }
    return {
      model,
      valAcc: epochs.at(-1)?.valAcc ?? 0,
      bestValAcc,
      bestEpoch,
      epochs,
      batchesRun,
      trainTimeS: trainMillis / 1000,
      timeS: (wallMillis() - runStart) / 1000
    }
  })

/** Loads the MNIST digits, splits them as `config` asks, and trains. */
export const trainDigitsOnMnist = <E = never, R = never>(
  config: DigitsTrainingConfig,
  hooks: DigitsTrainingHooks<E, R> = {}
): Effect.Effect<DigitsTrainingResult, DigitsError | E, R> =>
  Effect.gen(function*() {
    const all = yield* loadMnist
    if (config.trainSize + config.valSize > all.count) {
      return yield* new InvalidConfig({
        message: `train_size + val_size (${config.trainSize + config.valSize}) exceeds the ${all.count} digits available`
      })
    }
    return yield* trainDigits(config, splitDigits(all, config), hooks)
  })
