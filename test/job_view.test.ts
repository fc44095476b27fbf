import { assert, describe, it } from "@effect/vitest"
import { type Cause, Effect, Fiber, Queue, Stream } from "effect"
import { TestClock } from "effect/testing"
import type { ChannelMessage } from "../src/contracts/ChannelMessage.js"
import { makeDigitsBatch, makeDigitsBest, makeDigitsEpoch } from "../src/contracts/DigitsMetrics.js"
import { makeCompletedEvent, makeFailedEvent, makeProgressEvent, makeStartedEvent } from "../src/contracts/LifecycleEvents.js"
import { trainerMetricsTypes } from "../src/contracts/TrainerMetrics.js"
import { throttledChanges } from "../src/runtime/JobView.js"
import { foldJobView, historyLimit, type JobView } from "../src/runtime/view/JobViewFold.js"
import { applyViewInput, emptyViewState, finishedJobsKept, type ViewChange, type ViewInput, type ViewState } from "../src/runtime/view/JobViewState.js"

const id = { domain: "qr" as const, job_id: "job-1", user_id: 7n }
const digitsId = { request_id: "train-1", user_id: 7n, model_id: "m1", run_id: "run-9" }
const ts = "2026-11-23T01:00:00.000Z"
const lifecycle = (event: Extract<ChannelMessage, { _tag: "Lifecycle" }>["event"]): ChannelMessage => ({ _tag: "Lifecycle", event })
const metrics = (event: Extract<ChannelMessage, { _tag: "Metrics" }>["event"]): ChannelMessage => ({ _tag: "Metrics", event })

const foldAll = (messages: ReadonlyArray<ChannelMessage>, domain: "qr" | "digits" | "trainer" = "qr"): JobView | undefined =>
  messages.reduce<JobView | undefined>((view, message, i) => foldJobView(view, domain, message, 1000 + i), undefined)

const batch = (epoch: number, b: number, loss: number) => metrics(makeDigitsBatch({ ...digitsId }, ts, {
  epoch, total_epochs: 2, batch: b, total_batches: 10, batch_loss: loss, batch_acc: 0.5, avg_loss: loss, samples_per_sec: 1200
}))

const message = (m: ChannelMessage, at = 1): ViewInput => ({ _tag: "Message", domain: "qr", message: m, at })
const undecodable = (json: string): ViewInput => ({ _tag: "Undecodable", domain: "qr", json, reason: "bad", at: 2 })
const progressInput = (jobId: string, progress: number): ViewInput =>
  ({ _tag: "Message", domain: "qr", message: lifecycle(makeProgressEvent({ ...id, job_id: jobId }, progress)), at: 0 })
const progressOf = (change: ViewChange) => change._tag === "Job" ? `${change.job.jobId}:${change.job.progress}` : "problems"

describe("JobView fold", () => {
  it("lifecycle events set status, progress, message and result", () => {
    const view = foldAll([
      lifecycle(makeStartedEvent(id, "qr")),
      lifecycle(makeProgressEvent(id, 40, "rendering")),
      lifecycle(makeCompletedEvent(id, "sha256:abc", 512))
    ])
    assert.isDefined(view)
    assert.strictEqual(view?.key, "qr/job-1")
    assert.strictEqual(view?.status, "completed")
    assert.strictEqual(view?.progress, 100)
    assert.strictEqual(view?.resultId, "sha256:abc")
    assert.strictEqual(view?.resultBytes, 512)
    assert.strictEqual(view?.events, 3)
    assert.deepStrictEqual(view?.history.map((h) => h.summary), ["started on queue qr", "40% rendering", "completed: sha256:abc (512 bytes)"])
  })

  it("a failed event records the error; a new attempt's start clears it", () => {
    const failed = foldAll([lifecycle(makeStartedEvent(id, "qr")), lifecycle(makeFailedEvent(id, "system", "disk full"))])
    assert.strictEqual(failed?.status, "failed")
    assert.deepStrictEqual(failed?.error, { kind: "system", message: "disk full" })
    const again = foldJobView(failed, "qr", lifecycle(makeStartedEvent(id, "qr")), 5000)
    assert.strictEqual(again.status, "running")
    assert.strictEqual(again.error, null)
  })

  it("digits metrics are keyed by request id and carry the latest training figures", () => {
    const view = foldAll([
      batch(1, 5, 0.9),
      metrics(makeDigitsEpoch({ ...digitsId }, ts, { epoch: 1, total_epochs: 2, train_loss: 0.8, val_acc: 0.91, time_s: 3 })),
      metrics(makeDigitsBest({ ...digitsId }, ts, { epoch: 1, val_acc: 0.91 })),
      batch(2, 5, 0.4)
    ], "digits")
    assert.strictEqual(view?.key, "digits/train-1")
    assert.strictEqual(view?.runId, "run-9")
    assert.strictEqual(view?.metrics.epoch, 2)
    assert.strictEqual(view?.metrics.batchLoss, 0.4)
    assert.strictEqual(view?.metrics.valAcc, 0.91)
    assert.strictEqual(view?.metrics.bestValAcc, 0.91)
    assert.strictEqual(view?.metrics.samplesPerSec, 1200)
    // epoch 2, batch 5 of 10: 15 of 20 batches
    assert.strictEqual(view?.progress, 75)
  })

  it("trainer metrics fill step, loss and tokens per second", () => {
    const view = foldAll([metrics({
      type: trainerMetricsTypes.progress, job_id: "lm-1", user_id: 1n, run_id: "r", ts,
      step: 30, total_steps: 120, loss: 2.5, learning_rate: 0.01, tokens_per_sec: 8000, elapsed_s: 2
    })], "trainer")
    assert.strictEqual(view?.key, "trainer/lm-1")
    assert.strictEqual(view?.metrics.step, 30)
    assert.strictEqual(view?.metrics.tokensPerSec, 8000)
    assert.strictEqual(view?.progress, 25)
  })

  it("the bar only moves forward within a run and starts again with a new attempt", () => {
    const view = foldAll([
      batch(2, 10, 0.3),
      lifecycle(makeProgressEvent({ ...id, domain: "digits", job_id: "train-1" }, 50, "epoch 1/2 done"))
    ], "digits")
    // batch 10 of 10 in epoch 2 of 2 is 99%; the later, coarser lifecycle figure does not pull it back.
    assert.strictEqual(view?.progress, 99)
    assert.strictEqual(view?.message, "epoch 1/2 done")
    const again = foldJobView(view, "digits", lifecycle(makeStartedEvent({ ...id, domain: "digits", job_id: "train-1" }, "digits")), 9000)
    assert.strictEqual(again.progress, 0)
    assert.strictEqual(again.status, "running")
  })

  it("history keeps only the most recent events", () => {
    const many = Array.from({ length: historyLimit + 10 }, (_, i) => lifecycle(makeProgressEvent(id, i % 100)))
    const view = foldAll(many)
    assert.strictEqual(view?.history.length, historyLimit)
    assert.strictEqual(view?.events, historyLimit + 10)
    assert.strictEqual(view?.history[0]?.summary, "10%")
  })
})

describe("JobView state", () => {

  it("counts unknown and malformed events without touching jobs", () => {
    let state: ViewState = emptyViewState
    for (const input of [
      message(lifecycle(makeStartedEvent(id, "qr"))),
      undecodable("not json"),
      undecodable(`{"type":"qr.job.progress.v1","progress":"x"}`),
      undecodable(`{"type":"something.else.v1"}`)
    ]) state = applyViewInput(state, input).state
    assert.strictEqual(state.jobs.size, 1)
    assert.strictEqual(state.problems.malformed, 2)
    assert.strictEqual(state.problems.unknown, 1)
    assert.deepStrictEqual(state.problems.recent.map((p) => p.kind), ["malformed", "malformed", "unknown"])
  })

  it("drops the oldest finished jobs beyond the limit but keeps running ones", () => {
    let state: ViewState = emptyViewState
    state = applyViewInput(state, message(lifecycle(makeStartedEvent({ ...id, job_id: "running" }, "qr")), 0)).state
    for (let i = 0; i < finishedJobsKept + 5; i++) {
      state = applyViewInput(state, message(lifecycle(makeCompletedEvent({ ...id, job_id: `done-${i}` }, "r", 1)), i + 1)).state
    }
    assert.strictEqual(state.jobs.size, finishedJobsKept + 1)
    assert.isTrue(state.jobs.has("qr/running"))
    assert.isFalse(state.jobs.has("qr/done-0"))
    assert.isTrue(state.jobs.has(`qr/done-${finishedJobsKept + 4}`))
  })
})

describe("JobView throttle", () => {

  it.effect("passes the first change at once, coalesces a burst and delivers the newest after the interval", () =>
    Effect.gen(function*() {
      const inputs = yield* Queue.unbounded<ViewInput, Cause.Done>()
      const seen: Array<string> = []
      const fiber = yield* throttledChanges(Stream.fromQueue(inputs), 500).pipe(
        Stream.runForEach((change) => Effect.sync(() => seen.push(progressOf(change)))),
        Effect.forkChild
      )
      yield* Queue.offer(inputs, progressInput("a", 1))
      yield* Queue.offer(inputs, progressInput("b", 1))
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(seen, ["a:1", "b:1"])
      for (let p = 2; p <= 20; p++) yield* Queue.offer(inputs, progressInput("a", p))
      yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual(seen, ["a:1", "b:1"], "a burst inside the interval is held back")
      yield* TestClock.adjust("400 millis")
      assert.deepStrictEqual(seen, ["a:1", "b:1", "a:20"], "the newest of the burst arrives once the interval has passed")
      // A full second of updates every 50 ms gives at most 2 renders.
      for (let i = 0; i < 20; i++) {
        yield* Queue.offer(inputs, progressInput("a", 30 + i))
        yield* TestClock.adjust("50 millis")
      }
      const renders = seen.slice(3)
      assert.isAtMost(renders.length, 2)
      yield* Queue.end(inputs)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(seen.at(-1), "a:49", "the last state of a job is always delivered")
    }))
})
