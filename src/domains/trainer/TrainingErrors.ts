import { Schema } from "effect"

/**
 * Errors shared by the training domains (trainer, digits). Each carries a stable `code` that the
 * HTTP layer maps to a status, and a `kind`: "user" when the caller can fix the request.
 */

/** A payload or config value is out of range or malformed. */
export class InvalidConfig extends Schema.TaggedError<InvalidConfig>()("InvalidConfig", {
  message: Schema.String
}) {
  readonly code = "INVALID_CONFIG" as const
  readonly kind = "user" as const
}

/** The requested model id or family is not one this service can train. */
export class ModelNotFound extends Schema.TaggedError<ModelNotFound>()("ModelNotFound", {
  model: Schema.String,
  message: Schema.String
}) {
  readonly code = "MODEL_NOT_FOUND" as const
  readonly kind = "user" as const
}

/** The loss became NaN or infinite; usually the learning rate is too high. */
export class Diverged extends Schema.TaggedError<Diverged>()("Diverged", {
  step: Schema.Number,
  loss: Schema.Number,
  message: Schema.String
}) {
  readonly code = "DIVERGED" as const
  readonly kind = "user" as const
}

/** The corpus has too few characters to form a training and a validation slice. */
export class CorpusEmpty extends Schema.TaggedError<CorpusEmpty>()("CorpusEmpty", {
  characters: Schema.Number,
  message: Schema.String
}) {
  readonly code = "CORPUS_EMPTY" as const
  readonly kind = "user" as const
}

/** The bundled corpus file could not be read. */
export class CorpusUnavailable extends Schema.TaggedError<CorpusUnavailable>()("CorpusUnavailable", {
  path: Schema.String,
  message: Schema.String
}) {
  readonly code = "CORPUS_UNAVAILABLE" as const
  readonly kind = "system" as const
}

/** Everything a language-model training run can fail with. */
export type TrainerError = InvalidConfig | ModelNotFound | Diverged | CorpusEmpty | CorpusUnavailable
