/**
 * The trainer job end to end on a real redis-server: metrics in order and valid under the contract,
 * loss falling, the stored result, bad payloads as user errors, and the error-code mapping.
 */
import { assert, describe, it as vitestIt, layer } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { decodeChannelMessage } from "../../src/contracts/ChannelMessage.js"
import { httpStatusOf } from "../../src/contracts/ErrorCodes.js"
import type { TrainerMetricsEvent } from "../../src/contracts/TrainerMetrics.js"
import { toJobFailure } from "../../src/domains/trainer/JobFailures.js"
import { trainerJob } from "../../src/domains/trainer/job.js"
import { CorpusUnavailable, Diverged, InvalidConfig, ModelNotFound } from "../../src/domains/trainer/TrainingErrors.js"
import { EventBus } from "../../src/runtime/EventBus.js"
import { ResultStore } from "../../src/runtime/ResultStore.js"
import { RedisServer } from "../support/RedisServer.js"
import { awaitOutcome, enqueue, eventsUntilEnd, fresh, harnessLayer, metricsEvents, startJobWorker, tempDir } from "../support/TrainingJobHarness.js"

const isTrainer = (e: { readonly type: string }): e is TrainerMetricsEvent => e.type.startsWith("trainer.metrics.")

layer(RedisServer.layer(), { excludeTestServices: true })("trainer job", (it) => {
  it.effect("publishes config, rate-limited progress, completed; the loss falls; the result JSON is stored", () =>
    fresh(Effect.gen(function*() {
      yield* startJobWorker(trainerJob)
      const { jobId } = yield* enqueue("trainer", { model_family: "char-bigram", steps: 400, batch_size: 32, seed: 3 }, 11n)
      const record = yield* awaitOutcome("trainer", jobId)
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const events = metricsEvents(yield* eventsUntilEnd("trainer", jobId)).filter(isTrainer)

      const types = events.map((e) => e.type)
      assert.strictEqual(types[0], "trainer.metrics.config.v1")
      assert.strictEqual(types.at(-1), "trainer.metrics.completed.v1")
      const progress = events.flatMap((e) => e.type === "trainer.metrics.progress.v1" ? [e] : [])
      // Every 20th step, no interval limit: steps 20, 40, ..., 400.
      assert.deepStrictEqual(progress.map((p) => p.step), Array.from({ length: 20 }, (_, i) => (i + 1) * 20))
      assert.strictEqual(progress.length, events.length - 2)
      for (const e of events) {
        assert.strictEqual(e.job_id, jobId)
        assert.strictEqual(e.user_id, 11n)
      }
      const bus = yield* EventBus
      const raw = yield* bus.subscribeRaw("trainer", { from: "0" }).pipe(Stream.take(events.length + 1), Stream.runCollect)
      for (const r of raw) yield* decodeChannelMessage(r.json)

      // Loss falls: the mean of the last five progress losses is below the first's.
      const first = progress[0]?.loss ?? 0
      const lastFive = progress.slice(-5).reduce((sum, p) => sum + p.loss, 0) / 5
      assert.isBelow(lastFive, first - 0.5)

      const config = events[0]
      if (config?.type === "trainer.metrics.config.v1") {
        assert.strictEqual(config.model_family, "char-bigram")
        assert.strictEqual(config.steps, 400)
        assert.isAbove(config.vocab_size, 20)
      }
      const completed = events.at(-1)
      assert.strictEqual(completed?.type, "trainer.metrics.completed.v1")
      if (completed?.type !== "trainer.metrics.completed.v1") return
      assert.closeTo(completed.perplexity, Math.exp(completed.val_loss), 1e-9)
      assert.isBelow(completed.val_loss, Math.log(config?.type === "trainer.metrics.config.v1" ? config.vocab_size : 0))
      assert.strictEqual(completed.dropped_metrics, 0)

      const stored = JSON.parse(new TextDecoder().decode(yield* (yield* ResultStore).get(record.resultId ?? "")))
      assert.strictEqual(stored.final_loss, completed.final_loss)
      assert.strictEqual(stored.val_loss, completed.val_loss)
      assert.strictEqual(stored.sample.length, 200)
      assert.strictEqual(stored.run_id, completed.run_id)
    }), harnessLayer({ metrics: { batchEvery: 20, batchMinIntervalMs: 0 }, storeDir: tempDir("trainer-store-") })), 60_000)

  describe("bad payloads fail as user errors", () => {
    const cases = [
      { name: "steps 0", payload: { model_family: "char-mlp", steps: 0 }, error: /steps must be an integer from 1 to 100000/ },
      { name: "negative learning rate", payload: { model_family: "char-mlp", learning_rate: -0.5 }, error: /learning_rate must be a finite number in \(0, 1\]/ },
      { name: "unknown family", payload: { model_family: "gpt-5" }, error: /unknown model family "gpt-5" \(known: char-bigram, char-mlp\) at \["model_family"\]/ },
      { name: "context too long", payload: { model_family: "char-bigram", context_length: 4 }, error: /char-bigram takes a context_length of at most 1, got 4/ }
    ]
    for (const c of cases) {
      it.effect(c.name, () =>
        fresh(Effect.gen(function*() {
          yield* startJobWorker(trainerJob)
          const { jobId } = yield* enqueue("trainer", c.payload)
          const record = yield* awaitOutcome("trainer", jobId)
          assert.strictEqual(record.status.status, "failed")
          assert.strictEqual(record.errorKind, "user")
          assert.match(record.lastError ?? "", c.error)
        }), harnessLayer({ storeDir: tempDir("trainer-store-") })))
    }
  })
})

describe("trainer errors as job failures", () => {
  vitestIt("user codes become JobUserError with the code; system codes JobSystemError naming it", () => {
    const diverged = toJobFailure(new Diverged({ step: 3, loss: Number.NaN, message: "diverged at step 3" }))
    assert.strictEqual(diverged._tag, "JobUserError")
    if (diverged._tag === "JobUserError") assert.strictEqual(diverged.code, "DIVERGED")
    assert.strictEqual(httpStatusOf("DIVERGED"), 422)

    const invalid = toJobFailure(new InvalidConfig({ message: "bad" }))
    assert.deepStrictEqual([invalid._tag, invalid._tag === "JobUserError" ? invalid.code : ""], ["JobUserError", "INVALID_CONFIG"])
    const missing = toJobFailure(new ModelNotFound({ model: "x", message: "no x" }))
    assert.deepStrictEqual([missing._tag, missing._tag === "JobUserError" ? missing.code : ""], ["JobUserError", "MODEL_NOT_FOUND"])

    const unavailable = toJobFailure(new CorpusUnavailable({ path: "/c.txt", message: "cannot read /c.txt" }))
    assert.strictEqual(unavailable._tag, "JobSystemError")
    assert.strictEqual(unavailable.message, "CORPUS_UNAVAILABLE: cannot read /c.txt")
  })
})
