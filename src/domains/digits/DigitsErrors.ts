import { Schema } from "effect"
import type { Diverged, InvalidConfig, ModelNotFound } from "../trainer/TrainingErrors.js"

/** The MNIST digits shipped by the `mnist` package could not be read or are malformed. */
export class DatasetUnavailable extends Schema.TaggedError<DatasetUnavailable>()("DatasetUnavailable", {
  path: Schema.String,
  message: Schema.String
}) {
  readonly code = "DATASET_UNAVAILABLE" as const
  readonly kind = "system" as const
}

/** Model bytes or manifest do not form a valid digits model (wrong magic, sizes or fields). */
export class ModelArtifactInvalid extends Schema.TaggedError<ModelArtifactInvalid>()("ModelArtifactInvalid", {
  message: Schema.String
}) {
  readonly code = "MODEL_ARTIFACT_INVALID" as const
  readonly kind = "user" as const
}

/** Everything a digits training run can fail with. */
export type DigitsError = InvalidConfig | ModelNotFound | Diverged | DatasetUnavailable
