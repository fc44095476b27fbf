import { Effect } from "effect"
import { CharBigramModel } from "./CharBigramModel.js"
import { buildCharCorpus, type CharCorpus, loadBundledCorpus } from "./CharCorpus.js"
import type { CharLanguageModel } from "./CharLanguageModel.js"
import { CharMlpModel } from "./CharMlpModel.js"
import { Adam } from "./numerics/Adam.js"
import { Rng } from "./numerics/Rng.js"
import { DEFAULT_YIELD_EVERY, wallMillis, yieldAfterStep } from "./TrainingCadence.js"
import type { TrainerConfig } from "./TrainerPayload.js"
import { Diverged, type TrainerError } from "./TrainingErrors.js"

/** Reported after every optimisation step. */
export interface TrainerStepProgress {
  readonly step: number
  readonly totalSteps: number
  /** Mean cross-entropy (nats per character) of this step's batch. */
  readonly loss: number
  /** Predicted characters per second since the run started. */
  readonly tokensPerSec: number
  /** The learning rate this step used (cosine-decayed). */
  readonly learningRate: number
  /** Seconds since the first step started. */
  readonly elapsedS: number
}

/** Reported once before the first step: what the model is trained on. */
export interface TrainerRunInfo {
  readonly tokenizer: "char"
  readonly vocabSize: number
  readonly trainChars: number
  readonly validationChars: number
}

export interface TrainerHooks<E, R> {
  readonly onStart?: (info: TrainerRunInfo) => Effect.Effect<void, E, R>
  readonly onStep?: (progress: TrainerStepProgress) => Effect.Effect<void, E, R>
  /** Yield to other fibers every this many steps (0: never). Defaults to `DEFAULT_YIELD_EVERY`. */
  readonly yieldEverySteps?: number
}

export interface TrainerResult {
  readonly model: CharLanguageModel
  readonly vocabulary: ReadonlyArray<string>
  /** Mean training loss over the last `FINAL_WINDOW` steps (or all steps when fewer). */
  readonly finalLoss: number
  /** Mean cross-entropy over every window of the validation slice. */
  readonly valLoss: number
  readonly perplexity: number
  /** Loss of every step, in order. */
  readonly losses: Float64Array
  /** Seconds spent in optimisation steps (hooks included, validation excluded). */
  readonly trainTimeS: number
  readonly timeS: number
}

/** Share of the corpus held out for validation, taken from its end. */
export const VALIDATION_FRACTION = 0.1
const FINAL_WINDOW = 50
/** Validation windows scored between two yields. */
const VALIDATION_CHUNK = 1024

const makeModel = (config: TrainerConfig, vocabSize: number, rng: Rng): CharLanguageModel =>
  config.family === "char-bigram"
    ? new CharBigramModel(vocabSize, rng)
    : new CharMlpModel({ vocabSize, contextLength: config.contextLength, embedding: config.embedding, hidden: config.hidden }, rng)

/** Cosine decay from the configured rate to a tenth of it over the run. */
const learningRateAt = (config: TrainerConfig, step: number): number => {
  const progress = config.steps <= 1 ? 0 : (step - 1) / (config.steps - 1)
  return config.learningRate * (0.1 + 0.45 * (1 + Math.cos(Math.PI * progress)))
}

/** Mean loss over every validation window, yielding between chunks so that a long slice does not block. */
const validationLoss = (model: CharLanguageModel, tokens: Uint16Array, every: number) =>
  Effect.gen(function*() {
    let sum = 0
    let count = 0
    for (let t = model.contextLength; t < tokens.length; t++) {
      sum += model.lossAt(tokens, t)
      count++
      if (every > 0 && count % VALIDATION_CHUNK === 0) yield* Effect.yieldNow
    }
    return sum / count
  })

/**
 * Trains a character model by mini-batch Adam on random windows of the training slice, then scores
 * the validation slice. Deterministic for a given seed; interruptible between steps.
 */
export const trainCharLm = <E = never, R = never>(
  config: TrainerConfig,
  corpus: CharCorpus,
  hooks: TrainerHooks<E, R> = {}
): Effect.Effect<TrainerResult, Diverged | E, R> =>
  Effect.gen(function*() {
    const rng = new Rng(config.seed)
    const model = makeModel(config, corpus.vocabulary.length, rng)
    const optimizer = new Adam(model.parameters)
    const yieldEvery = hooks.yieldEverySteps ?? DEFAULT_YIELD_EVERY
    const maybeYield = yieldAfterStep(yieldEvery)
    const positions = new Int32Array(config.batchSize)
    const firstPosition = model.contextLength
    const positionRange = corpus.train.length - firstPosition
    const losses = new Float64Array(config.steps)
    if (hooks.onStart !== undefined) {
      yield* hooks.onStart({
        tokenizer: "char",
        vocabSize: corpus.vocabulary.length,
        trainChars: corpus.train.length,
        validationChars: corpus.validation.length
      })
    }
    const start = wallMillis()

    for (let step = 1; step <= config.steps; step++) {
      for (let b = 0; b < positions.length; b++) positions[b] = firstPosition + rng.int(positionRange)
      const loss = model.accumulate(corpus.train, positions) / positions.length
      if (!Number.isFinite(loss)) {
        return yield* new Diverged({
          step,
          loss,
          message: `Language model diverged at step ${step}: loss is ${loss}; lower learning_rate`
        })
      }
      const learningRate = learningRateAt(config, step)
      optimizer.step(learningRate, 1 / positions.length)
      losses[step - 1] = loss
      if (hooks.onStep !== undefined) {
        const elapsedS = Math.max((wallMillis() - start) / 1000, 1e-9)
        yield* hooks.onStep({
          step,
          totalSteps: config.steps,
          loss,
          tokensPerSec: (step * positions.length) / elapsedS,
          learningRate,
          elapsedS
        })
      }
      yield* maybeYield(step)
    }

    const trainTimeS = (wallMillis() - start) / 1000
    const window = losses.subarray(Math.max(0, config.steps - FINAL_WINDOW))
    const finalLoss = window.reduce((sum, loss) => sum + loss, 0) / window.length
    const valLoss = yield* validationLoss(model, corpus.validation, yieldEvery)
    return {
      model,
      vocabulary: corpus.vocabulary,
      finalLoss,
      valLoss,
      perplexity: Math.exp(valLoss),
      losses,
      trainTimeS,
      timeS: (wallMillis() - start) / 1000
    }
  })

/** Loads the bundled corpus, holds out its last 10%, and trains on the rest. */
export const trainOnBundledCorpus = <E = never, R = never>(
  config: TrainerConfig,
  hooks: TrainerHooks<E, R> = {}
): Effect.Effect<TrainerResult, TrainerError | E, R> =>
  Effect.gen(function*() {
    const text = yield* loadBundledCorpus
    const corpus = yield* buildCharCorpus(text, {
      contextLength: config.contextLength,
      validationFraction: VALIDATION_FRACTION
    })
    return yield* trainCharLm(config, corpus, hooks)
  })
