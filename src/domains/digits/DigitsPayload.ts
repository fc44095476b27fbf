import { Effect, Schema } from "effect"
import { InvalidConfig, ModelNotFound } from "../trainer/TrainingErrors.js"

/** Models this domain can train. */
export const digitsModelIds = ["mlp-32", "mlp-64", "mlp-128"] as const
export const DigitsModelId = Schema.Literals(digitsModelIds)
export type DigitsModelId = typeof DigitsModelId.Type

/** Hidden-layer width of each model. */
export const digitsModels: Readonly<Record<DigitsModelId, number>> = { "mlp-32": 32, "mlp-64": 64, "mlp-128": 128 }

const isDigitsModelId = Schema.is(DigitsModelId)

/** Defaults: 10 epochs over 9,000 digits reach ~96% validation accuracy in ~5 s on 2 cores (bench/training.ts). */
export const digitsDefaults = {
  epochs: 10,
  batch_size: 32,
  learning_rate: 0.002,
  seed: 0,
  train_size: 9000,
  val_size: 1000
} as const

/** The `mnist` package ships exactly this many digits; train + validation must fit in it. */
export const MNIST_DIGIT_COUNT = 10_000

const intBetween = (name: string, minimum: number, maximum: number, fallback: number) =>
  Schema.Int.check(Schema.isBetween({ minimum, maximum }, { message: `${name} must be an integer from ${minimum} to ${maximum}` }))
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed(fallback)))

/** The job payload as it arrives (snake_case, like the events). Omitted fields take `digitsDefaults`. */
export const DigitsPayload = Schema.Struct({
  model_id: Schema.String,
  epochs: intBetween("epochs", 1, 100, digitsDefaults.epochs),
  batch_size: intBetween("batch_size", 1, 1024, digitsDefaults.batch_size),
  learning_rate: Schema.Finite.check(
    Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true }, { message: "learning_rate must be a finite number in (0, 1]" })
  ).pipe(Schema.withDecodingDefaultKey(Effect.succeed(digitsDefaults.learning_rate))),
  seed: Schema.Int.check(Schema.isInt32({ message: "seed must be a 32-bit integer" }))
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed(digitsDefaults.seed))),
  train_size: intBetween("train_size", 10, MNIST_DIGIT_COUNT, digitsDefaults.train_size),
  val_size: intBetween("val_size", 10, MNIST_DIGIT_COUNT, digitsDefaults.val_size)
}).annotate({ identifier: "DigitsPayload" })
export type DigitsPayload = typeof DigitsPayload.Type

/** What the training loop needs, in camelCase, with the model id resolved to a width. */
export interface DigitsTrainingConfig {
  readonly modelId: DigitsModelId
  readonly hidden: number
  readonly epochs: number
  readonly batchSize: number
  readonly learningRate: number
  readonly seed: number
  readonly trainSize: number
  readonly valSize: number
}

const decodePayload = Schema.decodeUnknownEffect(DigitsPayload)

/** Validates a raw payload; a bad value or an unknown model is a user error with a readable message. */
export const decodeDigitsPayload = (input: unknown): Effect.Effect<DigitsTrainingConfig, InvalidConfig | ModelNotFound> =>
  Effect.gen(function*() {
    const payload = yield* decodePayload(input).pipe(
      Effect.mapError((error) =>
        new InvalidConfig({ message: `Invalid digits payload: ${error.message.replace(/\s*\n\s*/g, " ")}` })
      )
    )
    const modelId = payload.model_id
    if (!isDigitsModelId(modelId)) {
      return yield* new ModelNotFound({
        model: modelId,
        message: `Unknown digits model "${modelId}": expected one of ${digitsModelIds.join(", ")}`
      })
    }
    const total = payload.train_size + payload.val_size
    if (total > MNIST_DIGIT_COUNT) {
      return yield* new InvalidConfig({
        message: `Invalid digits payload: train_size + val_size must be at most ${MNIST_DIGIT_COUNT}, got ${total}`
      })
    }
    return {
      modelId,
      hidden: digitsModels[modelId],
      epochs: payload.epochs,
      batchSize: payload.batch_size,
      learningRate: payload.learning_rate,
      seed: payload.seed,
      trainSize: payload.train_size,
      valSize: payload.val_size
    }
  })
