import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  decodeTrainerMetricsEvent,
  encodeTrainerMetricsEvent,
  isCompletedMetrics,
  isConfig,
  isProgressMetrics,
  isTrainerMetricsType,
  makeCompletedMetricsEvent,
  makeConfigEvent,
  makeProgressMetricsEvent,
  type TrainerMetricsEvent,
  type TrainerRunIdentity
} from "../src/contracts/TrainerMetrics.js"
import { parseWireJson, stringifyWire } from "../src/contracts/WireJson.js"

const id: TrainerRunIdentity = { job_id: "job-3", user_id: 9n, run_id: "run-3" }
const ts = "2026-11-23T02:00:00.000Z"

const config = makeConfigEvent(id, ts, {
  model_family: "char_bigram",
  tokenizer: "char",
  vocab_size: 65,
  context_length: 64,
  steps: 500,
  batch_size: 32,
  learning_rate: 0.01,
  seed: 42,
  corpus_chars: 1_115_394
})
const progress = makeProgressMetricsEvent(id, ts, {
  step: 100,
  total_steps: 500,
  loss: 2.71,
  learning_rate: 0.01,
  tokens_per_sec: 20480,
  elapsed_s: 3.5
})
const evalProgress = makeProgressMetricsEvent(id, ts, {
  step: 500,
  total_steps: 500,
  loss: 2.41,
  val_loss: 2.5,
  learning_rate: 0,
  tokens_per_sec: 19000,
  elapsed_s: 17
})
const completed = makeCompletedMetricsEvent(id, ts, {
  final_loss: 2.41,
  val_loss: 2.5,
  perplexity: Math.exp(2.5),
  steps: 500,
  elapsed_s: 17.2
})
const completedWithDrops = makeCompletedMetricsEvent(id, ts, {
  final_loss: 2.41,
  val_loss: 2.5,
  perplexity: Math.exp(2.5),
  steps: 500,
  elapsed_s: 17.2,
  dropped_metrics: 3
})

const wire = (event: TrainerMetricsEvent, change: Record<string, unknown>, drop: ReadonlyArray<string> = []) => {
  const record: Record<string, unknown> = { ...event, ...change }
  for (const key of drop) delete record[key]
  return stringifyWire(record)
}

describe("trainer.metrics events", () => {
  for (const event of [config, progress, evalProgress, completed, completedWithDrops]) {
    it.effect(`round-trips ${event.type} (${Object.keys(event).length} fields)`, () =>
      Effect.gen(function*() {
        const json = yield* encodeTrainerMetricsEvent(event)
        assert.deepStrictEqual(parseWireJson(json), event)
        assert.deepStrictEqual(yield* decodeTrainerMetricsEvent(json), event)
      }))
  }

  it("leaves optional fields out when not given", () => {
    assert.isFalse("val_loss" in progress)
    assert.strictEqual(evalProgress.val_loss, 2.5)
    assert.isFalse("dropped_metrics" in completed)
    assert.strictEqual(completedWithDrops.dropped_metrics, 3)
  })

  it("guards narrow by type", () => {
    assert.deepStrictEqual([isConfig(config), isProgressMetrics(config), isCompletedMetrics(config)], [true, false, false])
    assert.deepStrictEqual([isConfig(progress), isProgressMetrics(progress), isCompletedMetrics(progress)], [false, true, false])
    assert.deepStrictEqual([isConfig(completed), isProgressMetrics(completed), isCompletedMetrics(completed)], [false, false, true])
    assert.isTrue(isTrainerMetricsType("trainer.metrics.config.v1"))
    assert.isFalse(isTrainerMetricsType("trainer.job.started.v1"))
  })

  const malformed: ReadonlyArray<readonly [string, string, string]> = [
    ["vocab_size 0", wire(config, { vocab_size: 0 }), `TrainerConfigV1: Expected an integer >= 1 at ["vocab_size"]`],
    ["empty model_family", wire(config, { model_family: "" }), `TrainerConfigV1: Expected a non-empty string at ["model_family"]`],
    ["negative corpus_chars", wire(config, { corpus_chars: -1 }), `TrainerConfigV1: Expected an integer >= 0 at ["corpus_chars"]`],
    ["missing tokenizer", wire(config, {}, ["tokenizer"]), `TrainerConfigV1: Missing key at ["tokenizer"]`],
    ["null run_id", wire(config, { run_id: null }), `TrainerConfigV1: Expected string at ["run_id"]`],
    ["step past total_steps", wire(progress, { step: 501 }), `TrainerProgressMetricsV1: Expected step <= total_steps (500), got 501 at ["step"]`],
    ["loss as a string", wire(progress, { loss: "2.7" }), `TrainerProgressMetricsV1: Expected number at ["loss"]`],
    ["negative val_loss", wire(progress, { val_loss: -0.5 }), `TrainerProgressMetricsV1: Expected a finite number >= 0 at ["val_loss"]`],
    ["missing tokens_per_sec", wire(progress, {}, ["tokens_per_sec"]), `TrainerProgressMetricsV1: Missing key at ["tokens_per_sec"]`],
    ["bad ts", wire(progress, { ts: "02:00" }), `TrainerProgressMetricsV1: Expected an ISO-8601 timestamp like 2026-01-31T12:00:00Z at ["ts"]`],
    ["perplexity below 1", wire(completed, { perplexity: 0.9 }), `TrainerCompletedMetricsV1: Expected a finite perplexity >= 1 at ["perplexity"]`],
    ["fractional steps", wire(completed, { steps: 499.5 }), `TrainerCompletedMetricsV1: Expected an integer at ["steps"]`],
    ["missing final_loss", wire(completed, {}, ["final_loss"]), `TrainerCompletedMetricsV1: Missing key at ["final_loss"]`],
    ["non-integer user_id", wire(completed, { user_id: "9" }), `TrainerCompletedMetricsV1: Expected an integer user_id at ["user_id"]`],
    [
      "an unknown trainer type",
      wire(config, { type: "trainer.metrics.eval.v1" }),
      `TrainerMetricsEvent: Unknown type "trainer.metrics.eval.v1", expected one of trainer.metrics.config.v1, ` +
        `trainer.metrics.progress.v1, trainer.metrics.completed.v1`
    ],
    ["malformed JSON", `{"type":"trainer.metrics.config.v1",}`, "TrainerMetricsEvent: Expected a valid JSON string"],
    ["a JSON boolean", `true`, "TrainerMetricsEvent: Expected object"]
  ]

  for (const [name, json, expected] of malformed) {
    it.effect(`rejects ${name}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(decodeTrainerMetricsEvent(json))
        assert.strictEqual(error.message, expected)
      }))
  }

  it.effect("refuses to encode an infinite loss", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(encodeTrainerMetricsEvent({ ...progress, loss: Number.POSITIVE_INFINITY }))
      assert.match(error.message, /^TrainerProgressMetricsV1: .* at \["loss"\]$/)
    }))
})
