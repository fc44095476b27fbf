/**
 * trainer: trains a character-level language model on the bundled corpus and stores a JSON result
 * (losses, perplexity and a text sample from the trained model). Metrics
 * (`trainer.metrics.{config,progress,completed}.v1`) go through the MetricsEmitter; failures carry
 * the model-trainer error codes (ErrorCodes.ts).
 */
import { Clock, Effect } from "effect"
import {
  encodeTrainerMetricsEvent,
  makeCompletedMetricsEvent,
  makeConfigEvent,
  makeProgressMetricsEvent,
  type TrainerMetricsEvent,
  type TrainerRunIdentity
} from "../../contracts/TrainerMetrics.js"
import { defineJob, type JobResult } from "../../runtime/JobDefinition.js"
import { JobContext } from "../../runtime/JobContext.js"
import { JobSystemError } from "../../runtime/JobErrors.js"
import { makeProgressReporter, type ProgressReporter } from "../../runtime/metrics/ProgressReporter.js"
import { type JobMetrics, MetricsEmitter } from "../../runtime/MetricsEmitter.js"
import { ResultStore } from "../../runtime/ResultStore.js"
import { sampleText } from "./CharSampling.js"
import { type TrainerResult, type TrainerRunInfo, type TrainerStepProgress, trainOnBundledCorpus } from "./CharLmTraining.js"
import { toJobFailure } from "./JobFailures.js"
import { decodeTrainerPayload, type TrainerConfig, TrainerPayload } from "./TrainerPayload.js"
import { formatTimestamp } from "../../contracts/Timestamps.js"

export interface TrainerRunOutcome {
  readonly result: JobResult
  readonly training: TrainerResult
  readonly sample: string
  readonly droppedMetrics: number
}

// Python's datetime.isoformat() form for UTC (contracts/Timestamps.ts).
const nowIso = Effect.map(Clock.currentTimeMillis, formatTimestamp)
const SAMPLE_LENGTH = 200
/** Lifecycle progress updates over the run (at most), and the share of the bar given to training. */
const PROGRESS_UPDATES = 20
const TRAINING_SHARE = 90

const hooks = (metrics: JobMetrics, progress: ProgressReporter, id: TrainerRunIdentity, config: TrainerConfig) => {
  const emit = (make: (ts: string) => TrainerMetricsEvent, priority: "batch" | "milestone") =>
    Effect.flatMap(nowIso, (ts) => metrics.emitEncoded(encodeTrainerMetricsEvent(make(ts)), priority))
  const progressEvery = Math.max(1, Math.floor(config.steps / PROGRESS_UPDATES))
  return {
    onStart: (info: TrainerRunInfo) =>
      emit((ts) => makeConfigEvent(id, ts, {
        model_family: config.family,
        tokenizer: info.tokenizer,
        vocab_size: info.vocabSize,
        context_length: config.contextLength,
        steps: config.steps,
        batch_size: config.batchSize,
        learning_rate: config.learningRate,
        seed: config.seed,
        corpus_chars: info.trainChars + info.validationChars
      }), "milestone"),
    onStep: (s: TrainerStepProgress) => {
      if (s.step % progressEvery === 0) {
        progress.report(Math.floor((s.step / s.totalSteps) * TRAINING_SHARE), `step ${s.step}/${s.totalSteps}: loss ${s.loss.toFixed(3)}`)
      }
      if (!metrics.admitBatch(s.step)) return Effect.void
      return emit((ts) => makeProgressMetricsEvent(id, ts, {
        step: s.step,
        total_steps: s.totalSteps,
        loss: s.loss,
        learning_rate: s.learningRate,
        tokens_per_sec: s.tokensPerSec,
        elapsed_s: s.elapsedS
      }), "batch")
    },
    completed: (training: TrainerResult, steps: number, dropped: number) =>
      emit((ts) => makeCompletedMetricsEvent(id, ts, {
        final_loss: training.finalLoss,
        val_loss: training.valLoss,
        perplexity: training.perplexity,
        steps,
        elapsed_s: training.timeS,
        dropped_metrics: dropped
      }), "milestone")
  }
}

/** The whole run, with the details a benchmark or test wants beside the job result. */
export const runTrainerTraining = (payload: TrainerPayload) =>
  Effect.scoped(Effect.gen(function*() {
    const ctx = yield* JobContext
    const store = yield* ResultStore
    const config = yield* decodeTrainerPayload(payload).pipe(Effect.mapError(toJobFailure))
    const metrics = yield* (yield* MetricsEmitter).forJob("trainer", ctx.info.jobId)
    const progress = yield* makeProgressReporter
    const id: TrainerRunIdentity = { job_id: ctx.info.jobId, user_id: ctx.info.userId, run_id: ctx.info.executionId }
    const run = hooks(metrics, progress, id, config)

    progress.report(0, `training ${config.family} for ${config.steps} steps`)
    const training = yield* trainOnBundledCorpus(config, { onStart: run.onStart, onStep: run.onStep }).pipe(
      Effect.mapError(toJobFailure)
    )
    const sample = sampleText(training.model, training.vocabulary, { prompt: "", length: SAMPLE_LENGTH, seed: config.seed })
    const report = {
      format: "trainer-result/v1",
      run_id: id.run_id,
      model_family: config.family,
      context_length: config.contextLength,
      steps: config.steps,
      batch_size: config.batchSize,
      learning_rate: config.learningRate,
      seed: config.seed,
      vocab_size: training.vocabulary.length,
      final_loss: training.finalLoss,
      val_loss: training.valLoss,
      perplexity: training.perplexity,
      train_time_s: training.trainTimeS,
      sample
    }
    const stored = yield* store.put(new TextEncoder().encode(JSON.stringify(report))).pipe(
      Effect.mapError((error) => new JobSystemError({ message: `INTERNAL: storing the training result failed: ${error.message}` }))
    )
    progress.report(TRAINING_SHARE + 5, `stored result ${stored.id}`)
    const droppedMetrics = metrics.dropped()
    yield* run.completed(training, config.steps, droppedMetrics)
    // Bounded: with Redis unreachable the job still ends; what is left is published when it returns.
    yield* metrics.flush
    const outcome: TrainerRunOutcome = {
      result: { resultId: stored.id, resultBytes: stored.bytes },
      training,
      sample,
      droppedMetrics
    }
    return outcome
  }))

export const trainerJob = defineJob({
  domain: "trainer",
  payload: TrainerPayload,
  run: (payload) => runTrainerTraining(payload).pipe(Effect.map((outcome) => outcome.result))
})
