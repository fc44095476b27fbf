import { Effect, Schema } from "effect"
import { oneOf, rejectUnknownFields } from "../shared/strictPayload.js"
import { InvalidConfig, ModelNotFound } from "./TrainingErrors.js"

/** Model families this domain can train, with their fixed sizes and default context length. */
export const charModelFamilies = {
  /** One weight table: next-character logits given the previous character. */
  "char-bigram": { embedding: 0, hidden: 0, defaultContext: 1, maxContext: 1, defaultLearningRate: 0.03 },
  /** Embeddings of the last `context_length` characters, one tanh hidden layer, softmax (Bengio et al. 2003). */
  "char-mlp": { embedding: 16, hidden: 128, defaultContext: 8, maxContext: 64, defaultLearningRate: 0.01 }
} as const
export type CharModelFamily = keyof typeof charModelFamilies
const isCharModelFamily = (name: string): name is CharModelFamily => Object.hasOwn(charModelFamilies, name)
const familyNames: ReadonlyArray<CharModelFamily> = Object.keys(charModelFamilies).filter(isCharModelFamily)

/**
 * Defaults: 1,500 steps of 32 windows take the char-mlp to ~2.09 nats/char on validation (uniform
 * guessing: ln 61 = 4.11) in ~6 s on 2 cores, the char-bigram to ~2.39 in 0.2 s.
 */
export const trainerDefaults = {
  steps: 1500,
  batch_size: 32,
  seed: 0
} as const

const intBetween = (name: string, minimum: number, maximum: number) =>
  Schema.Int.check(Schema.isBetween({ minimum, maximum }, { message: `${name} must be an integer from ${minimum} to ${maximum}` }))

const fields = {
  model_family: oneOf(familyNames, "model family"),
  steps: intBetween("steps", 1, 100_000).pipe(Schema.withDecodingDefaultKey(Effect.succeed(trainerDefaults.steps))),
  batch_size: intBetween("batch_size", 1, 1024).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(trainerDefaults.batch_size))
  ),
  context_length: Schema.optionalKey(intBetween("context_length", 1, 64)),
  learning_rate: Schema.Finite.check(
    Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true }, { message: "learning_rate must be a finite number in (0, 1]" })
  ).pipe(Schema.optionalKey),
  seed: Schema.Int.check(Schema.isInt32({ message: "seed must be a 32-bit integer" })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(trainerDefaults.seed))
  )
}

/** `context_length` is bounded per family (the bigram sees one character), so it is checked beside `model_family`. */
const contextFitsFamily = Schema.makeFilter(
  (payload: { readonly model_family: CharModelFamily; readonly context_length?: number }) => {
    const maxContext = charModelFamilies[payload.model_family].maxContext
    return payload.context_length === undefined || payload.context_length <= maxContext || {
      path: ["context_length"],
      issue: `${payload.model_family} takes a context_length of at most ${maxContext}, got ${payload.context_length}`
    }
  }
)

/**
 * The job payload as it arrives. Omitted fields take `trainerDefaults` or the family's defaults.
 * Unknown fields, an unknown family and a context the family cannot take are refused here, i.e. at enqueue.
 */
export const TrainerPayload = rejectUnknownFields(Schema.Struct(fields).check(contextFitsFamily), Object.keys(fields))
  .annotate({ identifier: "TrainerPayload" })
export type TrainerPayload = typeof TrainerPayload.Type

export interface TrainerConfig {
  readonly family: CharModelFamily
  readonly steps: number
  readonly batchSize: number
  readonly contextLength: number
  readonly learningRate: number
  readonly seed: number
  readonly embedding: number
  readonly hidden: number
}

const decodePayload = Schema.decodeUnknownEffect(TrainerPayload)

/** The `model_family` of a raw payload, if it has one. */
const familyOf = (input: unknown): unknown =>
  typeof input === "object" && input !== null && "model_family" in input ? input.model_family : undefined

/** Validates a raw payload; bad values and unknown families are user errors with readable messages. */
export const decodeTrainerPayload = (input: unknown): Effect.Effect<TrainerConfig, InvalidConfig | ModelNotFound> =>
  Effect.gen(function*() {
    // The schema refuses an unknown family too, but a caller that trains without enqueueing (bench,
    // tests) gets it as its own error, MODEL_NOT_FOUND, rather than as one more invalid value.
    const requested = familyOf(input)
    if (typeof requested === "string" && !isCharModelFamily(requested)) {
      return yield* new ModelNotFound({
        model: requested,
        message: `Unknown model family "${requested}": expected one of ${familyNames.join(", ")}`
      })
    }
    const payload = yield* decodePayload(input).pipe(
      Effect.mapError((error) =>
        new InvalidConfig({ message: `Invalid trainer payload: ${error.message.replace(/\s*\n\s*/g, " ")}` })
      )
    )
    const family = payload.model_family
    const sizes = charModelFamilies[family]
    return {
      family,
      steps: payload.steps,
      batchSize: payload.batch_size,
      contextLength: payload.context_length ?? sizes.defaultContext,
      learningRate: payload.learning_rate ?? sizes.defaultLearningRate,
      seed: payload.seed,
      embedding: sizes.embedding,
      hidden: sizes.hidden
    }
  })
