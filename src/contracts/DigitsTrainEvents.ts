/**
 * The older seed 001 names `digits.train.{started,batch,epoch,best,artifact,upload,prune,completed,failed}.v1`,
 * decoded so that consumers keep reading emitters that have not moved to `digits.metrics.*`.
 * Same common and per-event fields as the metrics family; `started` carries only `total_epochs`
 * and `failed` carries `error_kind` + `message`.
 */
import { Schema } from "effect"
import { batchWithinTotal, digitsCommonFields, digitsFields, epochWithinTotal } from "./DigitsMetrics.js"
import { eventFamily, type EventContract } from "./EventContract.js"
import { ErrorKind } from "./JobDomain.js"
import { PositiveInt } from "./WireFields.js"

export const digitsTrainTypes = {
  started: "digits.train.started.v1",
  batch: "digits.train.batch.v1",
  epoch: "digits.train.epoch.v1",
  best: "digits.train.best.v1",
  artifact: "digits.train.artifact.v1",
  upload: "digits.train.upload.v1",
  prune: "digits.train.prune.v1",
  completed: "digits.train.completed.v1",
  failed: "digits.train.failed.v1"
} as const

const legacy = { description: "Seed 001 name, decoded for older emitters; new code emits digits.metrics.*." }

export const DigitsTrainStartedV1 = Schema.Struct({
  type: Schema.Literal(digitsTrainTypes.started),
  ...digitsCommonFields,
  total_epochs: PositiveInt
}).annotate({ identifier: "DigitsTrainStartedV1", ...legacy })

export const DigitsTrainBatchV1 = Schema.Struct({ type: Schema.Literal(digitsTrainTypes.batch), ...digitsCommonFields, ...digitsFields.batch })
  .check(epochWithinTotal, batchWithinTotal)
  .annotate({ identifier: "DigitsTrainBatchV1", ...legacy })

export const DigitsTrainEpochV1 = Schema.Struct({ type: Schema.Literal(digitsTrainTypes.epoch), ...digitsCommonFields, ...digitsFields.epoch })
  .check(epochWithinTotal)
  .annotate({ identifier: "DigitsTrainEpochV1", ...legacy })

export const DigitsTrainBestV1 = Schema.Struct({ type: Schema.Literal(digitsTrainTypes.best), ...digitsCommonFields, ...digitsFields.best })
  .annotate({ identifier: "DigitsTrainBestV1", ...legacy })

export const DigitsTrainArtifactV1 = Schema.Struct({ type: Schema.Literal(digitsTrainTypes.artifact), ...digitsCommonFields, ...digitsFields.artifact })
  .annotate({ identifier: "DigitsTrainArtifactV1", ...legacy })

export const DigitsTrainUploadV1 = Schema.Struct({ type: Schema.Literal(digitsTrainTypes.upload), ...digitsCommonFields, ...digitsFields.upload })
  .annotate({ identifier: "DigitsTrainUploadV1", ...legacy })

export const DigitsTrainPruneV1 = Schema.Struct({ type: Schema.Literal(digitsTrainTypes.prune), ...digitsCommonFields, ...digitsFields.prune })
  .annotate({ identifier: "DigitsTrainPruneV1", ...legacy })

export const DigitsTrainCompletedV1 = Schema.Struct({ type: Schema.Literal(digitsTrainTypes.completed), ...digitsCommonFields, ...digitsFields.completed })
  .annotate({ identifier: "DigitsTrainCompletedV1", ...legacy })

export const DigitsTrainFailedV1 = Schema.Struct({
  type: Schema.Literal(digitsTrainTypes.failed),
  ...digitsCommonFields,
  error_kind: ErrorKind,
  message: Schema.String
}).annotate({ identifier: "DigitsTrainFailedV1", ...legacy })

export type DigitsTrainEvent =
  | typeof DigitsTrainStartedV1.Type
  | typeof DigitsTrainBatchV1.Type
  | typeof DigitsTrainEpochV1.Type
  | typeof DigitsTrainBestV1.Type
  | typeof DigitsTrainArtifactV1.Type
  | typeof DigitsTrainUploadV1.Type
  | typeof DigitsTrainPruneV1.Type
  | typeof DigitsTrainCompletedV1.Type
  | typeof DigitsTrainFailedV1.Type

export const digitsTrainContracts: ReadonlyArray<EventContract<DigitsTrainEvent>> = [
  { type: digitsTrainTypes.started, name: "DigitsTrainStartedV1", schema: DigitsTrainStartedV1 },
  { type: digitsTrainTypes.batch, name: "DigitsTrainBatchV1", schema: DigitsTrainBatchV1 },
  { type: digitsTrainTypes.epoch, name: "DigitsTrainEpochV1", schema: DigitsTrainEpochV1 },
  { type: digitsTrainTypes.best, name: "DigitsTrainBestV1", schema: DigitsTrainBestV1 },
  { type: digitsTrainTypes.artifact, name: "DigitsTrainArtifactV1", schema: DigitsTrainArtifactV1 },
  { type: digitsTrainTypes.upload, name: "DigitsTrainUploadV1", schema: DigitsTrainUploadV1 },
  { type: digitsTrainTypes.prune, name: "DigitsTrainPruneV1", schema: DigitsTrainPruneV1 },
  { type: digitsTrainTypes.completed, name: "DigitsTrainCompletedV1", schema: DigitsTrainCompletedV1 },
  { type: digitsTrainTypes.failed, name: "DigitsTrainFailedV1", schema: DigitsTrainFailedV1 }
]

const family = eventFamily("DigitsTrainEvent", digitsTrainContracts)

export const isDigitsTrainType = family.isType
/** Decodes an already-parsed object, choosing the schema by its `type`. */
export const decodeDigitsTrainObject = family.decodeObject
export const decodeDigitsTrainEvent = family.decode
/** Validates the event and renders its wire JSON. */
export const encodeDigitsTrainEvent = family.encode
