import { Effect, Schema } from "effect"
import { oneOf, rejectUnknownFields } from "../shared/strictPayload.js"
import { InvalidConfig, ModelNotFound } from "../trainer/TrainingErrors.js"

/** Models this domain can train. */
export const digitsModelIds = ["mlp-32", "mlp-64", "mlp-128"] as const
/** The model id as the manifest records it (DigitsModelCodec). */
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

const fields = {
  model_id: oneOf(digitsModelIds, "digits model"),
  epochs: intBetween("epochs", 1, 100, digitsDefaults.epochs),
  batch_size: intBetween("batch_size", 1, 1024, digitsDefaults.batch_size),
  learning_rate: Schema.Finite.check(
    Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true }, { message: "learning_rate must be a finite number in (0, 1]" })
  ).pipe(Schema.withDecodingDefaultKey(Effect.succeed(digitsDefaults.learning_rate))),
  seed: Schema.Int.check(Schema.isInt32({ message: "seed must be a 32-bit integer" }))
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed(digitsDefaults.seed))),
  train_size: intBetween("train_size", 10, MNIST_DIGIT_COUNT, digitsDefaults.train_size),
  val_size: intBetween("val_size", 10, MNIST_DIGIT_COUNT, digitsDefaults.val_size)
}

/** Each size fits on its own, but both come out of the same 10,000 digits. */
const sizesFit = Schema.makeFilter((payload: { readonly train_size: number; readonly val_size: number }) => {
  const total = payload.train_size + payload.val_size
  return total <= MNIST_DIGIT_COUNT || `train_size + val_size must be at most ${MNIST_DIGIT_COUNT}, got ${total}`
})

/**
 * The job payload as it arrives (snake_case, like the events). Omitted fields take `digitsDefaults`.
 * Unknown fields, an unknown model and sizes that do not fit are refused here, i.e. at enqueue.
 */
export const DigitsPayload = rejectUnknownFields(Schema.Struct(fields).check(sizesFit), Object.keys(fields))
  .annotate({ identifier: "DigitsPayload" })
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

/** The `model_id` of a raw payload, if it has one. */
const modelIdOf = (input: unknown): unknown =>
  typeof input === "object" && input !== null && "model_id" in input ? input.model_id : undefined

/** Validates a raw payload; a bad value or an unknown model is a user error with a readable message. */
export const decodeDigitsPayload = (input: unknown): Effect.Effect<DigitsTrainingConfig, InvalidConfig | ModelNotFound> =>
  Effect.gen(function*() {
    // The schema refuses an unknown model too, but a caller that trains without enqueueing (bench,
    // tests) gets it as its own error, MODEL_NOT_FOUND, rather than as one more invalid value.
    const requested = modelIdOf(input)
    if (typeof requested === "string" && !isDigitsModelId(requested)) {
      return yield* new ModelNotFound({
        model: requested,
        message: `Unknown digits model "${requested}": expected one of ${digitsModelIds.join(", ")}`
      })
    }
    const payload = yield* decodePayload(input).pipe(
      Effect.mapError((error) =>
        new InvalidConfig({ message: `Invalid digits payload: ${error.message.replace(/\s*\n\s*/g, " ")}` })
      )
    )
    return {
      modelId: payload.model_id,
      hidden: digitsModels[payload.model_id],
      epochs: payload.epochs,
      batchSize: payload.batch_size,
      learningRate: payload.learning_rate,
      seed: payload.seed,
      trainSize: payload.train_size,
      valSize: payload.val_size
    }
  })
