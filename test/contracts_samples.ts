/** One valid event per JSON Schema file, built with the contracts' own constructors where they exist. */
import * as Digits from "../src/contracts/DigitsMetrics.js"
import type { DigitsTrainEvent } from "../src/contracts/DigitsTrainEvents.js"
import * as Lifecycle from "../src/contracts/LifecycleEvents.js"
import * as Telemetry from "../src/contracts/Telemetry.js"
import * as Trainer from "../src/contracts/TrainerMetrics.js"
import { busSamplesByFile } from "./services_bus_samples.js"

const ts = "2026-11-23T01:00:00Z"
const digitsId: Digits.DigitsRunIdentity = { request_id: "req", user_id: 1n, model_id: "mnist", run_id: "run" }
const trainerId: Trainer.TrainerRunIdentity = { job_id: "job", user_id: 2n, run_id: "run" }
const jobId: Lifecycle.EventIdentity = { domain: "digits", job_id: "job", user_id: 3n }
const telemetryCtx: Telemetry.TelemetryContext = {
  job_id: "job",
  job_execution_id: "exec",
  task: "validate_csv_job",
  marketplace: "mercado_livre",
  category: "electronics",
  region: "br"
}
const stamp = { event_id: "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f", timestamp: ts }

const batchFields = {
  epoch: 1,
  total_epochs: 2,
  batch: 3,
  total_batches: 4,
  batch_loss: 0.5,
  batch_acc: 0.8,
  avg_loss: 0.6,
  samples_per_sec: 900
}
const epochFields = { epoch: 1, total_epochs: 2, train_loss: 0.2, val_acc: 0.97, time_s: 5 }
const common = { request_id: "req", user_id: 1n, model_id: "mnist", run_id: null, ts }
const legacy = (event: DigitsTrainEvent): DigitsTrainEvent => event

export const samplesByFile: Readonly<Record<string, unknown>> = {
  "job.started.v1.json": Lifecycle.makeStartedEvent(jobId, "digits:queue"),
  "job.progress.v1.json": Lifecycle.makeProgressEvent(jobId, 10, "epoch 1", { epoch: 1 }),
  "job.completed.v1.json": Lifecycle.makeCompletedEvent(jobId, "result", 100),
  "job.failed.v1.json": Lifecycle.makeFailedEvent(jobId, "system", "boom"),
  "digits.metrics.config.v1.json": Digits.makeDigitsConfig(digitsId, ts, {
    total_epochs: 2,
    batch_size: 64,
    learning_rate: 0.01,
    seed: 7,
    train_samples: 600,
    val_samples: 100
  }),
  "digits.metrics.batch.v1.json": Digits.makeDigitsBatch(digitsId, ts, batchFields),
  "digits.metrics.epoch.v1.json": Digits.makeDigitsEpoch(digitsId, ts, epochFields),
  "digits.metrics.best.v1.json": Digits.makeDigitsBest(digitsId, ts, { epoch: 1, val_acc: 0.97 }),
  "digits.metrics.artifact.v1.json": Digits.makeDigitsArtifact(digitsId, ts, "model.pt"),
  "digits.metrics.upload.v1.json": Digits.makeDigitsUpload(digitsId, ts, { status: 200, model_bytes: 1, manifest_bytes: 1 }),
  "digits.metrics.prune.v1.json": Digits.makeDigitsPrune(digitsId, ts, 2),
  "digits.metrics.completed.v1.json": Digits.makeDigitsCompleted(digitsId, ts, 0.97, 0),
  "digits.train.started.v1.json": legacy({ type: "digits.train.started.v1", ...common, total_epochs: 2 }),
  "digits.train.batch.v1.json": legacy({ type: "digits.train.batch.v1", ...common, ...batchFields }),
  "digits.train.epoch.v1.json": legacy({ type: "digits.train.epoch.v1", ...common, ...epochFields }),
  "digits.train.best.v1.json": legacy({ type: "digits.train.best.v1", ...common, epoch: 1, val_acc: 0.9 }),
  "digits.train.artifact.v1.json": legacy({ type: "digits.train.artifact.v1", ...common, path: "m.pt" }),
  "digits.train.upload.v1.json": legacy({ type: "digits.train.upload.v1", ...common, status: 500, model_bytes: 0, manifest_bytes: 0 }),
  "digits.train.prune.v1.json": legacy({ type: "digits.train.prune.v1", ...common, deleted_count: 0 }),
  "digits.train.completed.v1.json": legacy({ type: "digits.train.completed.v1", ...common, val_acc: 1 }),
  "digits.train.failed.v1.json": legacy({ type: "digits.train.failed.v1", ...common, error_kind: "user", message: "bad" }),
  "trainer.metrics.config.v1.json": Trainer.makeConfigEvent(trainerId, ts, {
    model_family: "char_bigram",
    tokenizer: "char",
    vocab_size: 65,
    context_length: 32,
    steps: 100,
    batch_size: 16,
    learning_rate: 0.1,
    seed: 1,
    corpus_chars: 5000
  }),
  "trainer.metrics.progress.v1.json": Trainer.makeProgressMetricsEvent(trainerId, ts, {
    step: 10,
    total_steps: 100,
    loss: 3,
    val_loss: 3.1,
    learning_rate: 0.1,
    tokens_per_sec: 5000,
    elapsed_s: 1
  }),
  "trainer.metrics.completed.v1.json": Trainer.makeCompletedMetricsEvent(trainerId, ts, {
    final_loss: 2,
    val_loss: 2.2,
    perplexity: 9.03,
    steps: 100,
    elapsed_s: 9,
    dropped_metrics: 1
  }),
  "telemetry.job.started.v1.json": Telemetry.makeJobStartedTelemetry(telemetryCtx, stamp),
  "telemetry.job.completed.v1.json": Telemetry.makeJobCompletedTelemetry(telemetryCtx, stamp, {
    latency_ms: 12,
    total_rows: 10,
    valid_rows: 9,
    error_rows: 1,
    warning_rows: 0,
    payload_bytes: 300
  }),
  "telemetry.job.failed.v1.json": Telemetry.makeJobFailedTelemetry(telemetryCtx, stamp, "no header"),
  "telemetry.job.retrying.v1.json": Telemetry.makeJobRetryingTelemetry(telemetryCtx, stamp, 1),
  ...busSamplesByFile
}
