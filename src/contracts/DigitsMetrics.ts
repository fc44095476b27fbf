/**
 * Digits training metrics `digits.metrics.{config,batch,epoch,best,artifact,upload,prune,completed}.v1`
 * (seed 001 field set, seed 000 "Metrics Publishing Standard"): top-level events on `digits:events`,
 * never inside a lifecycle payload.
 *
 * Common fields: `request_id` correlates to the originating request, `run_id` is null until the run's
 * artifacts have an id, `ts` is ISO-8601. Epochs and batches count from 1; accuracies are fractions of 1.
 *
 * `config` replaces seed 001's `started` and describes the run a consumer is about to watch:
 * `total_epochs`, `batch_size`, `learning_rate`, `seed`, `train_samples`, `val_samples`. Device and
 * thread settings are left out on purpose: they describe the worker, not the training run.
 */
import { Schema } from "effect"
import { eventFamily, type EventContract } from "./EventContract.js"
import {
  countWithinTotal,
  Fraction,
  IsoTimestamp,
  NonEmptyString,
  NonNegativeInt,
  NonNegativeNumber,
  PositiveInt,
  PositiveNumber,
  UserId
} from "./WireFields.js"

/** Fields every digits event carries, in wire order after `type`. */
export const digitsCommonFields = {
  request_id: Schema.String,
  user_id: UserId,
  model_id: Schema.String,
  run_id: Schema.NullOr(Schema.String),
  ts: IsoTimestamp
}

export const HttpStatus = Schema.Int.check(
  Schema.isBetween({ minimum: 100, maximum: 599 }, { message: "Expected an HTTP status code between 100 and 599" })
)

/** Per-event fields, shared with the older `digits.train.*` names. */
export const digitsFields = {
  batch: {
    epoch: PositiveInt,
    total_epochs: PositiveInt,
    batch: PositiveInt,
    total_batches: PositiveInt,
    batch_loss: NonNegativeNumber,
    batch_acc: Fraction,
    avg_loss: NonNegativeNumber,
    samples_per_sec: NonNegativeNumber
  },
  epoch: {
    epoch: PositiveInt,
    total_epochs: PositiveInt,
    train_loss: NonNegativeNumber,
    val_acc: Fraction,
    time_s: NonNegativeNumber
  },
  best: { epoch: PositiveInt, val_acc: Fraction },
  artifact: { path: NonEmptyString },
  upload: { status: HttpStatus, model_bytes: NonNegativeInt, manifest_bytes: NonNegativeInt },
  prune: { deleted_count: NonNegativeInt },
  completed: { val_acc: Fraction }
}

export const epochWithinTotal = countWithinTotal("epoch", "total_epochs")
export const batchWithinTotal = countWithinTotal("batch", "total_batches")

export const digitsMetricsTypes = {
  config: "digits.metrics.config.v1",
  batch: "digits.metrics.batch.v1",
  epoch: "digits.metrics.epoch.v1",
  best: "digits.metrics.best.v1",
  artifact: "digits.metrics.artifact.v1",
  upload: "digits.metrics.upload.v1",
  prune: "digits.metrics.prune.v1",
  completed: "digits.metrics.completed.v1"
} as const

export const DigitsConfigV1 = Schema.Struct({
  type: Schema.Literal(digitsMetricsTypes.config),
  ...digitsCommonFields,
  total_epochs: PositiveInt,
  batch_size: PositiveInt,
  learning_rate: PositiveNumber,
  seed: Schema.Int,
  train_samples: NonNegativeInt,
  val_samples: NonNegativeInt
}).annotate({ identifier: "DigitsConfigV1", description: "Training configuration, emitted once before the first batch." })
export type DigitsConfigV1 = typeof DigitsConfigV1.Type

export const DigitsBatchV1 = Schema.Struct({ type: Schema.Literal(digitsMetricsTypes.batch), ...digitsCommonFields, ...digitsFields.batch })
  .check(epochWithinTotal, batchWithinTotal)
  .annotate({ identifier: "DigitsBatchV1", description: "Per-batch metrics, rate-limited by the emitter." })
export type DigitsBatchV1 = typeof DigitsBatchV1.Type

export const DigitsEpochV1 = Schema.Struct({ type: Schema.Literal(digitsMetricsTypes.epoch), ...digitsCommonFields, ...digitsFields.epoch })
  .check(epochWithinTotal)
  .annotate({ identifier: "DigitsEpochV1", description: "End-of-epoch summary." })
export type DigitsEpochV1 = typeof DigitsEpochV1.Type

export const DigitsBestV1 = Schema.Struct({ type: Schema.Literal(digitsMetricsTypes.best), ...digitsCommonFields, ...digitsFields.best })
  .annotate({ identifier: "DigitsBestV1", description: "A new best validation accuracy." })
export type DigitsBestV1 = typeof DigitsBestV1.Type

export const DigitsArtifactV1 = Schema.Struct({ type: Schema.Literal(digitsMetricsTypes.artifact), ...digitsCommonFields, ...digitsFields.artifact })
  .annotate({ identifier: "DigitsArtifactV1", description: "A model artifact was written." })
export type DigitsArtifactV1 = typeof DigitsArtifactV1.Type

export const DigitsUploadV1 = Schema.Struct({ type: Schema.Literal(digitsMetricsTypes.upload), ...digitsCommonFields, ...digitsFields.upload })
  .annotate({ identifier: "DigitsUploadV1", description: "Artifacts were uploaded; status is the store's HTTP status." })
export type DigitsUploadV1 = typeof DigitsUploadV1.Type

export const DigitsPruneV1 = Schema.Struct({ type: Schema.Literal(digitsMetricsTypes.prune), ...digitsCommonFields, ...digitsFields.prune })
  .annotate({ identifier: "DigitsPruneV1", description: "Old snapshots were pruned." })
export type DigitsPruneV1 = typeof DigitsPruneV1.Type

export const DigitsCompletedV1 = Schema.Struct({
  type: Schema.Literal(digitsMetricsTypes.completed),
  ...digitsCommonFields,
  ...digitsFields.completed,
  /** How many metrics events the emitter dropped under back-pressure; absent means none were counted. */
  dropped_metrics: Schema.optionalKey(NonNegativeInt)
}).annotate({ identifier: "DigitsCompletedV1", description: "Training finished; final validation accuracy." })
export type DigitsCompletedV1 = typeof DigitsCompletedV1.Type

export type DigitsMetricsEvent =
  | DigitsConfigV1
  | DigitsBatchV1
  | DigitsEpochV1
  | DigitsBestV1
  | DigitsArtifactV1
  | DigitsUploadV1
  | DigitsPruneV1
  | DigitsCompletedV1

export const digitsMetricsContracts: ReadonlyArray<EventContract<DigitsMetricsEvent>> = [
  { type: digitsMetricsTypes.config, name: "DigitsConfigV1", schema: DigitsConfigV1 },
  { type: digitsMetricsTypes.batch, name: "DigitsBatchV1", schema: DigitsBatchV1 },
  { type: digitsMetricsTypes.epoch, name: "DigitsEpochV1", schema: DigitsEpochV1 },
  { type: digitsMetricsTypes.best, name: "DigitsBestV1", schema: DigitsBestV1 },
  { type: digitsMetricsTypes.artifact, name: "DigitsArtifactV1", schema: DigitsArtifactV1 },
  { type: digitsMetricsTypes.upload, name: "DigitsUploadV1", schema: DigitsUploadV1 },
  { type: digitsMetricsTypes.prune, name: "DigitsPruneV1", schema: DigitsPruneV1 },
  { type: digitsMetricsTypes.completed, name: "DigitsCompletedV1", schema: DigitsCompletedV1 }
]

const family = eventFamily("DigitsMetricsEvent", digitsMetricsContracts)

export const isDigitsMetricsType = family.isType
/** Decodes an already-parsed object, choosing the schema by its `type`. */
export const decodeDigitsMetricsObject = family.decodeObject
export const decodeDigitsMetricsEvent = family.decode
/** Validates the event and renders its wire JSON. */
export const encodeDigitsMetricsEvent = family.encode

// Constructors: the training job fills in its numbers, these add the envelope.

/** Who and what a digits run belongs to; the same for every event of the run. */
export interface DigitsRunIdentity {
  readonly request_id: string
  readonly user_id: bigint
  readonly model_id: string
  readonly run_id: string | null
}

type EnvelopeKey = "type" | keyof DigitsRunIdentity | "ts"
/** The fields an event adds to its envelope. */
export type DigitsFields<E> = Omit<E, EnvelopeKey>

const envelope = (id: DigitsRunIdentity, ts: string) => ({
  request_id: id.request_id,
  user_id: id.user_id,
  model_id: id.model_id,
  run_id: id.run_id,
  ts
})

export const makeDigitsConfig = (id: DigitsRunIdentity, ts: string, fields: DigitsFields<DigitsConfigV1>): DigitsConfigV1 => ({
  type: digitsMetricsTypes.config,
  ...envelope(id, ts),
  total_epochs: fields.total_epochs,
  batch_size: fields.batch_size,
  learning_rate: fields.learning_rate,
  seed: fields.seed,
  train_samples: fields.train_samples,
  val_samples: fields.val_samples
})

export const makeDigitsBatch = (id: DigitsRunIdentity, ts: string, fields: DigitsFields<DigitsBatchV1>): DigitsBatchV1 => ({
  type: digitsMetricsTypes.batch,
  ...envelope(id, ts),
  epoch: fields.epoch,
  total_epochs: fields.total_epochs,
  batch: fields.batch,
  total_batches: fields.total_batches,
  batch_loss: fields.batch_loss,
  batch_acc: fields.batch_acc,
  avg_loss: fields.avg_loss,
  samples_per_sec: fields.samples_per_sec
})

export const makeDigitsEpoch = (id: DigitsRunIdentity, ts: string, fields: DigitsFields<DigitsEpochV1>): DigitsEpochV1 => ({
  type: digitsMetricsTypes.epoch,
  ...envelope(id, ts),
  epoch: fields.epoch,
  total_epochs: fields.total_epochs,
  train_loss: fields.train_loss,
  val_acc: fields.val_acc,
  time_s: fields.time_s
})

export const makeDigitsBest = (id: DigitsRunIdentity, ts: string, fields: DigitsFields<DigitsBestV1>): DigitsBestV1 => ({
  type: digitsMetricsTypes.best,
  ...envelope(id, ts),
  epoch: fields.epoch,
  val_acc: fields.val_acc
})

export const makeDigitsArtifact = (id: DigitsRunIdentity, ts: string, path: string): DigitsArtifactV1 => ({
  type: digitsMetricsTypes.artifact,
  ...envelope(id, ts),
  path
})

export const makeDigitsUpload = (id: DigitsRunIdentity, ts: string, fields: DigitsFields<DigitsUploadV1>): DigitsUploadV1 => ({
  type: digitsMetricsTypes.upload,
  ...envelope(id, ts),
  status: fields.status,
  model_bytes: fields.model_bytes,
  manifest_bytes: fields.manifest_bytes
})

export const makeDigitsPrune = (id: DigitsRunIdentity, ts: string, deletedCount: number): DigitsPruneV1 => ({
  type: digitsMetricsTypes.prune,
  ...envelope(id, ts),
  deleted_count: deletedCount
})

/** `droppedMetrics` is left off the wire when undefined. */
export const makeDigitsCompleted = (
  id: DigitsRunIdentity,
  ts: string,
  valAcc: number,
  droppedMetrics?: number
): DigitsCompletedV1 => ({
  type: digitsMetricsTypes.completed,
  ...envelope(id, ts),
  val_acc: valAcc,
  ...(droppedMetrics === undefined ? {} : { dropped_metrics: droppedMetrics })
})
