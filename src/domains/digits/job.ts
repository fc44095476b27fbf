/**
 * digits: trains a small MLP on the MNIST digits the `mnist` package ships, then writes the model
 * and its manifest to the artifact directory, stores both in the result store, and prunes older
 * runs of the same model. Metrics (`digits.metrics.*.v1`) go through the MetricsEmitter, so the
 * training loop never waits on Redis; lifecycle progress is reported per epoch.
 */
import { Clock, Effect } from "effect"
import {
  type DigitsMetricsEvent,
  type DigitsRunIdentity,
  encodeDigitsMetricsEvent,
  makeDigitsArtifact,
  makeDigitsBatch,
  makeDigitsBest,
  makeDigitsCompleted,
  makeDigitsConfig,
  makeDigitsEpoch,
  makeDigitsPrune,
  makeDigitsUpload
} from "../../contracts/DigitsMetrics.js"
import { defineJob, type JobResult } from "../../runtime/JobDefinition.js"
import { JobContext } from "../../runtime/JobContext.js"
import { JobSystemError } from "../../runtime/JobErrors.js"
import { makeProgressReporter } from "../../runtime/metrics/ProgressReporter.js"
import { type JobMetrics, MetricsEmitter } from "../../runtime/MetricsEmitter.js"
import { ResultStore, resultIdOf } from "../../runtime/ResultStore.js"
import { toJobFailure } from "../trainer/JobFailures.js"
import { digitsArtifactConfig, newRunId, pruneRuns, writeRunArtifacts } from "./artifacts.js"
import { encodeDigitsModel } from "./DigitsModelCodec.js"
import { decodeDigitsPayload, DigitsPayload, type DigitsTrainingConfig } from "./DigitsPayload.js"
import { type DigitsBatchProgress, type DigitsEpochProgress, type DigitsTrainingResult, trainDigitsOnMnist } from "./DigitsTraining.js"
import { formatTimestamp } from "../../contracts/Timestamps.js"

export interface DigitsRunOutcome {
  readonly result: JobResult
  readonly training: DigitsTrainingResult
  readonly runId: string
  readonly artifactPath: string
  readonly droppedMetrics: number
}

// Python's datetime.isoformat() form for UTC (contracts/Timestamps.ts).
const nowIso = Effect.map(Clock.currentTimeMillis, formatTimestamp)
const systemError = (what: string) => (error: { readonly message: string }) =>
  new JobSystemError({ message: `${what}: ${error.message}` })

const readArtifactSettings = Effect.gen(function*() {
  return yield* digitsArtifactConfig
}).pipe(Effect.mapError(systemError("digits artifact settings")))

/** Share of the lifecycle progress bar given to training; the rest covers artifacts and upload. */
const TRAINING_SHARE = 90

const emitter = (metrics: JobMetrics, id: DigitsRunIdentity) => {
  const milestone = (make: (ts: string) => DigitsMetricsEvent) =>
    Effect.flatMap(nowIso, (ts) => metrics.emitEncoded(encodeDigitsMetricsEvent(make(ts)), "milestone"))
  const batch = (b: DigitsBatchProgress) => {
    // Batches are numbered over the whole run for the rate limit, so the cadence carries across epochs.
    if (!metrics.admitBatch((b.epoch - 1) * b.totalBatches + b.batch)) return Effect.void
    return Effect.flatMap(nowIso, (ts) =>
      metrics.emitEncoded(encodeDigitsMetricsEvent(makeDigitsBatch(id, ts, {
        epoch: b.epoch,
        total_epochs: b.totalEpochs,
        batch: b.batch,
        total_batches: b.totalBatches,
        batch_loss: b.batchLoss,
        batch_acc: b.batchAcc,
        avg_loss: b.avgLoss,
        samples_per_sec: b.samplesPerSec
      })), "batch"))
  }
  const epoch = (e: DigitsEpochProgress) =>
    Effect.gen(function*() {
      yield* milestone((ts) => makeDigitsEpoch(id, ts, {
        epoch: e.epoch, total_epochs: e.totalEpochs, train_loss: e.trainLoss, val_acc: e.valAcc, time_s: e.timeS
      }))
      if (e.improved) yield* milestone((ts) => makeDigitsBest(id, ts, { epoch: e.epoch, val_acc: e.valAcc }))
    })
  return { milestone, batch, epoch }
}

const configFields = (config: DigitsTrainingConfig) => ({
  total_epochs: config.epochs,
  batch_size: config.batchSize,
  learning_rate: config.learningRate,
  seed: config.seed,
  train_samples: config.trainSize,
  val_samples: config.valSize
})

/** The whole run, with the details a benchmark or test wants beside the job result. */
export const runDigitsTraining = (payload: DigitsPayload) =>
  Effect.scoped(Effect.gen(function*() {
    const ctx = yield* JobContext
    const store = yield* ResultStore
    const artifacts = yield* readArtifactSettings
    const config = yield* decodeDigitsPayload(payload).pipe(Effect.mapError(toJobFailure))
    const metrics = yield* (yield* MetricsEmitter).forJob("digits", ctx.info.jobId)
    const progress = yield* makeProgressReporter
    const runId = newRunId(yield* Clock.currentTimeMillis)
    const id: DigitsRunIdentity = { request_id: ctx.info.jobId, user_id: ctx.info.userId, model_id: config.modelId, run_id: runId }
    const emit = emitter(metrics, id)

    yield* emit.milestone((ts) => makeDigitsConfig(id, ts, configFields(config)))
    progress.report(0, `training ${config.modelId}: ${config.epochs} epochs of ${config.trainSize} digits`)
    const training = yield* trainDigitsOnMnist(config, {
      onBatch: emit.batch,
      onEpoch: (e) =>
        emit.epoch(e).pipe(Effect.andThen(Effect.sync(() =>
          progress.report(
            Math.floor((e.epoch / e.totalEpochs) * TRAINING_SHARE),
            `epoch ${e.epoch}/${e.totalEpochs}: val_acc ${(e.valAcc * 100).toFixed(1)}%`
          )
        )))
    }).pipe(Effect.mapError(toJobFailure))

    const artifact = yield* encodeDigitsModel(training.model, { runId, config, valAcc: training.valAcc }).pipe(
      Effect.mapError(systemError("encoding the trained model"))
    )
    const artifactPath = yield* writeRunArtifacts(artifacts.root, config.modelId, runId, artifact).pipe(
      Effect.mapError(systemError("writing the model artifact"))
    )
    yield* emit.milestone((ts) => makeDigitsArtifact(id, ts, artifactPath))
    progress.report(TRAINING_SHARE + 3, `wrote ${artifactPath}`)

    const manifestBytes = new TextEncoder().encode(artifact.manifestJson)
    const existed = yield* store.has(resultIdOf(artifact.modelBytes)).pipe(Effect.mapError(systemError("storing the model")))
    const model = yield* store.put(artifact.modelBytes).pipe(Effect.mapError(systemError("storing the model")))
    const manifest = yield* store.put(manifestBytes).pipe(Effect.mapError(systemError("storing the manifest")))
    yield* emit.milestone((ts) =>
      makeDigitsUpload(id, ts, { status: existed ? 200 : 201, model_bytes: model.bytes, manifest_bytes: manifest.bytes })
    )

    // Housekeeping: a failed prune is logged, it does not fail a run whose model is already stored.
    const deleted = yield* pruneRuns(artifacts.root, config.modelId, artifacts.keepRuns).pipe(
      Effect.catch((error) => Effect.logWarning(`pruning old digits runs failed: ${error.message}`).pipe(Effect.as(0)))
    )
    yield* emit.milestone((ts) => makeDigitsPrune(id, ts, deleted))
    progress.report(TRAINING_SHARE + 6, `stored model ${model.id}`)

    const droppedMetrics = metrics.dropped()
    yield* emit.milestone((ts) => makeDigitsCompleted(id, ts, training.valAcc, droppedMetrics))
    // Bounded: with Redis unreachable the job still ends; what is left is published when it returns.
    yield* metrics.flush
    const outcome: DigitsRunOutcome = {
      result: { resultId: model.id, resultBytes: model.bytes },
      training,
      runId,
      artifactPath,
      droppedMetrics
    }
    return outcome
  }))

export const digitsJob = defineJob({
  domain: "digits",
  payload: DigitsPayload,
  run: (payload) => runDigitsTraining(payload).pipe(Effect.map((outcome) => outcome.result))
})
