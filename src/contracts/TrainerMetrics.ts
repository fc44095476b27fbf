/**
 * Model-trainer metrics `trainer.metrics.{config,progress,completed}.v1` (seed 002 phase 8), published as
 * top-level events on `trainer:events`. Seed 002 names the events but not their fields; these are designed
 * for a small language-model training run:
 *
 * - common: `job_id` (the lifecycle job), `user_id`, `run_id` (assigned when the job starts, so never null),
 *   `ts` (ISO-8601).
 * - config: what is being trained and on how much text: `model_family` (e.g. "char_bigram", "gpt"),
 *   `tokenizer` (e.g. "char", "bpe"), `vocab_size`, `context_length`, `steps`, `batch_size`,
 *   `learning_rate`, `seed`, `corpus_chars`.
 * - progress: `step` of `total_steps` (1-based), training `loss`, optional `val_loss` on evaluation steps,
 *   the current `learning_rate` (a schedule may reach 0), `tokens_per_sec`, `elapsed_s`.
 * - completed: `final_loss`, `val_loss`, `perplexity` (exp of the validation loss, so >= 1), `steps` run,
 *   `elapsed_s`, and optionally `dropped_metrics` counted by the emitter.
 *
 * Losses are natural-log cross-entropy and must be finite: a diverged run reports a failed lifecycle event
 * (error code DIVERGED), not a NaN metric.
 */
import { Schema } from "effect"
import { eventFamily, type EventContract } from "./EventContract.js"
import {
  countWithinTotal,
  IsoTimestamp,
  NonEmptyString,
  NonNegativeInt,
  NonNegativeNumber,
  PositiveInt,
  PositiveNumber,
  UserId
} from "./WireFields.js"

const trainerCommonFields = {
  job_id: Schema.String,
  user_id: UserId,
  run_id: Schema.String,
  ts: IsoTimestamp
}

export const trainerMetricsTypes = {
  config: "trainer.metrics.config.v1",
  progress: "trainer.metrics.progress.v1",
  completed: "trainer.metrics.completed.v1"
} as const

const Perplexity = Schema.Finite.check(
  Schema.isGreaterThanOrEqualTo(1, { message: "Expected a finite perplexity >= 1" })
)

export const TrainerConfigV1 = Schema.Struct({
  type: Schema.Literal(trainerMetricsTypes.config),
  ...trainerCommonFields,
  model_family: NonEmptyString,
  tokenizer: NonEmptyString,
  vocab_size: PositiveInt,
  context_length: PositiveInt,
  steps: PositiveInt,
  batch_size: PositiveInt,
  learning_rate: PositiveNumber,
  seed: Schema.Int,
  corpus_chars: NonNegativeInt
}).annotate({ identifier: "TrainerConfigV1", description: "Training configuration, emitted once before the first step." })
export type TrainerConfigV1 = typeof TrainerConfigV1.Type

export const TrainerProgressMetricsV1 = Schema.Struct({
  type: Schema.Literal(trainerMetricsTypes.progress),
  ...trainerCommonFields,
  step: PositiveInt,
  total_steps: PositiveInt,
  loss: NonNegativeNumber,
  val_loss: Schema.optionalKey(NonNegativeNumber),
  learning_rate: NonNegativeNumber,
  tokens_per_sec: NonNegativeNumber,
  elapsed_s: NonNegativeNumber
})
  .check(countWithinTotal("step", "total_steps"))
  .annotate({ identifier: "TrainerProgressMetricsV1", description: "Metrics at a training step, rate-limited by the emitter." })
export type TrainerProgressMetricsV1 = typeof TrainerProgressMetricsV1.Type

export const TrainerCompletedMetricsV1 = Schema.Struct({
  type: Schema.Literal(trainerMetricsTypes.completed),
  ...trainerCommonFields,
  final_loss: NonNegativeNumber,
  val_loss: NonNegativeNumber,
  perplexity: Perplexity,
  steps: PositiveInt,
  elapsed_s: NonNegativeNumber,
  dropped_metrics: Schema.optionalKey(NonNegativeInt)
}).annotate({ identifier: "TrainerCompletedMetricsV1", description: "Training finished; final losses and perplexity." })
export type TrainerCompletedMetricsV1 = typeof TrainerCompletedMetricsV1.Type

export type TrainerMetricsEvent = TrainerConfigV1 | TrainerProgressMetricsV1 | TrainerCompletedMetricsV1

export const trainerMetricsContracts: ReadonlyArray<EventContract<TrainerMetricsEvent>> = [
  { type: trainerMetricsTypes.config, name: "TrainerConfigV1", schema: TrainerConfigV1 },
  { type: trainerMetricsTypes.progress, name: "TrainerProgressMetricsV1", schema: TrainerProgressMetricsV1 },
  { type: trainerMetricsTypes.completed, name: "TrainerCompletedMetricsV1", schema: TrainerCompletedMetricsV1 }
]

const family = eventFamily("TrainerMetricsEvent", trainerMetricsContracts)

export const isTrainerMetricsType = family.isType
/** Decodes an already-parsed object, choosing the schema by its `type`. */
export const decodeTrainerMetricsObject = family.decodeObject
export const decodeTrainerMetricsEvent = family.decode
/** Validates the event and renders its wire JSON. */
export const encodeTrainerMetricsEvent = family.encode

export const isConfig = (event: TrainerMetricsEvent): event is TrainerConfigV1 => event.type === trainerMetricsTypes.config
export const isProgressMetrics = (event: TrainerMetricsEvent): event is TrainerProgressMetricsV1 =>
  event.type === trainerMetricsTypes.progress
export const isCompletedMetrics = (event: TrainerMetricsEvent): event is TrainerCompletedMetricsV1 =>
  event.type === trainerMetricsTypes.completed

/** Who a trainer run belongs to; the same for every event of the run. */
export interface TrainerRunIdentity {
  readonly job_id: string
  readonly user_id: bigint
  readonly run_id: string
}

type TrainerFields<E> = Omit<E, "type" | keyof TrainerRunIdentity | "ts">

const envelope = (id: TrainerRunIdentity, ts: string) => ({ job_id: id.job_id, user_id: id.user_id, run_id: id.run_id, ts })

export const makeConfigEvent = (id: TrainerRunIdentity, ts: string, fields: TrainerFields<TrainerConfigV1>): TrainerConfigV1 => ({
  type: trainerMetricsTypes.config,
  ...envelope(id, ts),
  model_family: fields.model_family,
  tokenizer: fields.tokenizer,
  vocab_size: fields.vocab_size,
  context_length: fields.context_length,
  steps: fields.steps,
  batch_size: fields.batch_size,
  learning_rate: fields.learning_rate,
  seed: fields.seed,
  corpus_chars: fields.corpus_chars
})

/** `val_loss` is left off the wire on steps without an evaluation. */
export const makeProgressMetricsEvent = (
  id: TrainerRunIdentity,
  ts: string,
  fields: TrainerFields<TrainerProgressMetricsV1>
): TrainerProgressMetricsV1 => ({
  type: trainerMetricsTypes.progress,
  ...envelope(id, ts),
  step: fields.step,
  total_steps: fields.total_steps,
  loss: fields.loss,
  ...(fields.val_loss === undefined ? {} : { val_loss: fields.val_loss }),
  learning_rate: fields.learning_rate,
  tokens_per_sec: fields.tokens_per_sec,
  elapsed_s: fields.elapsed_s
})

export const makeCompletedMetricsEvent = (
  id: TrainerRunIdentity,
  ts: string,
  fields: TrainerFields<TrainerCompletedMetricsV1>
): TrainerCompletedMetricsV1 => ({
  type: trainerMetricsTypes.completed,
  ...envelope(id, ts),
  final_loss: fields.final_loss,
  val_loss: fields.val_loss,
  perplexity: fields.perplexity,
  steps: fields.steps,
  elapsed_s: fields.elapsed_s,
  ...(fields.dropped_metrics === undefined ? {} : { dropped_metrics: fields.dropped_metrics })
})
