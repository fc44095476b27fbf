/**
 * The per-job view of a domain's event stream, as a pure fold: lifecycle events set status,
 * progress, message, result and error; metrics events (digits, trainer) set the latest
 * training figures. Renderers (terminal, dashboard) read only this shape.
 */
import type { ChannelMessage, MetricsEvent } from "../../contracts/ChannelMessage.js"
import type { JobDomain } from "../../contracts/JobDomain.js"
import type { JobEventV1 } from "../../contracts/LifecycleEvents.js"

export type JobViewStatus = "running" | "completed" | "failed"

/** The latest training figures of a job; a field is absent until an event has carried it. */
export interface JobMetricsView {
  readonly epoch?: number
  readonly totalEpochs?: number
  readonly batch?: number
  readonly totalBatches?: number
  readonly batchLoss?: number
  readonly batchAcc?: number
  readonly avgLoss?: number
  readonly trainLoss?: number
  readonly valAcc?: number
  readonly bestValAcc?: number
  readonly bestEpoch?: number
  readonly samplesPerSec?: number
  readonly step?: number
  readonly totalSteps?: number
  readonly loss?: number
  readonly valLoss?: number
  readonly tokensPerSec?: number
  readonly perplexity?: number
  readonly droppedMetrics?: number
}

export interface JobHistoryItem {
  readonly at: number
  readonly type: string
  readonly summary: string
}

export interface JobView {
  /** `{domain}/{job_id}`: unique across the domains one view watches. */
  readonly key: string
  readonly domain: JobDomain
  readonly jobId: string
  readonly userId: bigint
  readonly runId: string | null
  readonly requestId: string | null
  readonly status: JobViewStatus
  /** 0..100 */
  readonly progress: number
  readonly message: string | null
  readonly metrics: JobMetricsView
  readonly resultId: string | null
  readonly resultBytes: number | null
  readonly error: { readonly kind: string; readonly message: string } | null
  readonly startedAt: number
  readonly updatedAt: number
  readonly events: number
  /** The most recent events, oldest first (at most `historyLimit`). */
  readonly history: ReadonlyArray<JobHistoryItem>
}

export const historyLimit = 50

export const viewKey = (domain: JobDomain, jobId: string): string => `${domain}/${jobId}`

/** The job a message belongs to: digits metrics name it by `request_id`, everything else by `job_id`. */
export const messageJobId = (message: ChannelMessage): string =>
  message._tag === "Lifecycle" || message.event.type.startsWith("trainer.")
    ? jobIdOf(message)
    : requestIdOf(message.event) ?? ""

const jobIdOf = (message: ChannelMessage): string =>
  "job_id" in message.event ? message.event.job_id : ""

const requestIdOf = (event: MetricsEvent): string | undefined => "request_id" in event ? event.request_id : undefined

const fixed = (n: number, digits: number) => Number.isInteger(n) ? String(n) : n.toFixed(digits)

const blank = (domain: JobDomain, jobId: string, userId: bigint, at: number): JobView => ({
  key: viewKey(domain, jobId),
  domain,
  jobId,
  userId,
  runId: null,
  requestId: null,
  status: "running",
  progress: 0,
  message: null,
  metrics: {},
  resultId: null,
  resultBytes: null,
  error: null,
  startedAt: at,
  updatedAt: at,
  events: 0,
  history: []
})

const foldLifecycle = (view: JobView, event: JobEventV1): { view: JobView; summary: string } => {
  switch (event.type.split(".")[2]) {
    case "started":
      return {
        // A new attempt (a retry or a requeue) starts its bar again.
        view: { ...view, status: "running", progress: 0, error: null, resultId: null, resultBytes: null, message: "started" },
        summary: `started on queue ${"queue" in event ? event.queue : ""}`
      }
    case "progress": {
      // Within a run the bar only moves forward: training metrics may already have pushed it past this value.
      const progress = Math.max(view.progress, "progress" in event ? event.progress : 0)
      const message = "message" in event && event.message !== undefined ? event.message : view.message
      return { view: { ...view, progress, message }, summary: `${progress}%${message === null ? "" : ` ${message}`}` }
    }
    case "completed": {
      const resultId = "result_id" in event ? event.result_id : null
      const resultBytes = "result_bytes" in event ? event.result_bytes : null
      return {
        view: { ...view, status: "completed", progress: 100, resultId, resultBytes, message: "completed" },
        summary: `completed: ${resultId ?? "?"} (${resultBytes ?? 0} bytes)`
      }
    }
    default: {
      const kind = "error_kind" in event ? event.error_kind : "system"
      const message = "message" in event && event.message !== undefined ? event.message : "failed"
      return { view: { ...view, status: "failed", error: { kind, message }, message }, summary: `failed (${kind}): ${message}` }
    }
  }
}

/** Training progress implied by a metrics position, as a whole percent below 100. */
const trainingPercent = (done: number, total: number): number =>
  total > 0 ? Math.min(99, Math.floor((100 * done) / total)) : 0

const foldMetrics = (view: JobView, event: MetricsEvent): { view: JobView; summary: string } => {
  const m = view.metrics
  const runId = "run_id" in event && event.run_id !== null ? event.run_id : view.runId
  const requestId = requestIdOf(event) ?? view.requestId
  const base = { ...view, runId, requestId }
  const withMetrics = (metrics: JobMetricsView, summary: string, progress = view.progress) =>
    ({ view: { ...base, metrics: { ...m, ...metrics }, progress: Math.max(view.progress, progress) }, summary })
  switch (event.type) {
    case "digits.metrics.config.v1":
      return withMetrics({ totalEpochs: event.total_epochs }, `config: ${event.total_epochs} epochs, batch ${event.batch_size}`)
    case "digits.train.started.v1":
      return withMetrics({ totalEpochs: event.total_epochs }, `training started: ${event.total_epochs} epochs`)
    case "digits.metrics.batch.v1":
    case "digits.train.batch.v1":
      return withMetrics({
        epoch: event.epoch, totalEpochs: event.total_epochs, batch: event.batch, totalBatches: event.total_batches,
        batchLoss: event.batch_loss, batchAcc: event.batch_acc, avgLoss: event.avg_loss, samplesPerSec: event.samples_per_sec
      }, `epoch ${event.epoch}/${event.total_epochs} batch ${event.batch}/${event.total_batches} loss ${fixed(event.batch_loss, 4)}`,
      trainingPercent((event.epoch - 1) * event.total_batches + event.batch, event.total_epochs * event.total_batches))
    case "digits.metrics.epoch.v1":
    case "digits.train.epoch.v1":
      return withMetrics({
        epoch: event.epoch, totalEpochs: event.total_epochs, trainLoss: event.train_loss, valAcc: event.val_acc
      }, `epoch ${event.epoch}/${event.total_epochs} val_acc ${fixed(event.val_acc, 4)}`,
      trainingPercent(event.epoch, event.total_epochs))
    case "digits.metrics.best.v1":
    case "digits.train.best.v1":
      return withMetrics({ bestValAcc: event.val_acc, bestEpoch: event.epoch }, `best val_acc ${fixed(event.val_acc, 4)} at epoch ${event.epoch}`)
    case "digits.metrics.artifact.v1":
    case "digits.train.artifact.v1":
      return withMetrics({}, `artifact ${event.path}`)
    case "digits.metrics.upload.v1":
    case "digits.train.upload.v1":
      return withMetrics({}, `upload status ${event.status}, ${event.model_bytes} model bytes`)
    case "digits.metrics.prune.v1":
    case "digits.train.prune.v1":
      return withMetrics({}, `pruned ${event.deleted_count}`)
    case "digits.metrics.completed.v1":
    case "digits.train.completed.v1":
      return withMetrics({
        valAcc: event.val_acc,
        ...("dropped_metrics" in event && event.dropped_metrics !== undefined ? { droppedMetrics: event.dropped_metrics } : {})
      }, `training completed, val_acc ${fixed(event.val_acc, 4)}`)
    case "digits.train.failed.v1":
      return {
        view: { ...base, status: "failed", error: { kind: event.error_kind, message: event.message }, message: event.message },
        summary: `training failed (${event.error_kind}): ${event.message}`
      }
    case "trainer.metrics.config.v1":
      return withMetrics({ totalSteps: event.steps }, `config: ${event.model_family}, ${event.steps} steps`)
    case "trainer.metrics.progress.v1":
      return withMetrics({
        step: event.step, totalSteps: event.total_steps, loss: event.loss, tokensPerSec: event.tokens_per_sec,
        ...(event.val_loss === undefined ? {} : { valLoss: event.val_loss })
      }, `step ${event.step}/${event.total_steps} loss ${fixed(event.loss, 4)}`, trainingPercent(event.step, event.total_steps))
    case "trainer.metrics.completed.v1":
      return withMetrics({
        loss: event.final_loss, valLoss: event.val_loss, perplexity: event.perplexity, step: event.steps,
        ...(event.dropped_metrics === undefined ? {} : { droppedMetrics: event.dropped_metrics })
      }, `training completed, perplexity ${fixed(event.perplexity, 2)}`)
  }
}

/**
 * Folds one decoded message into the job's previous view (undefined: first event seen for it).
 * `at` is the receive time in epoch ms.
 */
export const foldJobView = (previous: JobView | undefined, domain: JobDomain, message: ChannelMessage, at: number): JobView => {
  const jobId = messageJobId(message)
  const start = previous ?? blank(domain, jobId, message.event.user_id, at)
  const { summary, view } = message._tag === "Lifecycle" ? foldLifecycle(start, message.event) : foldMetrics(start, message.event)
  const history = [...start.history, { at, type: message.event.type, summary }]
  return { ...view, updatedAt: at, events: start.events + 1, history: history.slice(-historyLimit) }
}

export const isFinished = (view: JobView): boolean => view.status !== "running"
