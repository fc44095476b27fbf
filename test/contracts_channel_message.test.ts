import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { decodeChannelMessage, isMetricsType } from "../src/contracts/ChannelMessage.js"
import { encodeDigitsMetricsEvent, makeDigitsBatch } from "../src/contracts/DigitsMetrics.js"
import type { DigitsTrainEvent } from "../src/contracts/DigitsTrainEvents.js"
import { encodeJobEvent } from "../src/contracts/LifecycleCodec.js"
import { makeCompletedEvent, makeProgressEvent } from "../src/contracts/LifecycleEvents.js"
import { encodeTrainerMetricsEvent, makeProgressMetricsEvent } from "../src/contracts/TrainerMetrics.js"
import { stringifyWire } from "../src/contracts/WireJson.js"

const ts = "2026-11-23T03:00:00Z"
const digitsBatch = makeDigitsBatch({ request_id: "r", user_id: 1n, model_id: "m", run_id: "run" }, ts, {
  epoch: 1,
  total_epochs: 1,
  batch: 5,
  total_batches: 10,
  batch_loss: 0.3,
  batch_acc: 0.9,
  avg_loss: 0.4,
  samples_per_sec: 1000
})
const trainerProgress = makeProgressMetricsEvent({ job_id: "j", user_id: 2n, run_id: "run" }, ts, {
  step: 1,
  total_steps: 10,
  loss: 4.1,
  learning_rate: 0.001,
  tokens_per_sec: 100,
  elapsed_s: 0.2
})
const digitsProgress = makeProgressEvent({ domain: "digits", job_id: "j", user_id: 1n }, 50)
const trainerCompleted = makeCompletedEvent({ domain: "trainer", job_id: "j", user_id: 2n }, "res", 10)

const decodeError = (json: string) => Effect.flip(decodeChannelMessage(json)).pipe(Effect.map((error) => error.message))

describe("channel message decoder", () => {
  it.effect("decodes digits metrics as Metrics", () =>
    Effect.gen(function*() {
      const message = yield* decodeChannelMessage(yield* encodeDigitsMetricsEvent(digitsBatch))
      assert.deepStrictEqual(message, { _tag: "Metrics", event: digitsBatch })
    }))

  it.effect("decodes trainer metrics as Metrics", () =>
    Effect.gen(function*() {
      const message = yield* decodeChannelMessage(yield* encodeTrainerMetricsEvent(trainerProgress))
      assert.deepStrictEqual(message, { _tag: "Metrics", event: trainerProgress })
    }))

  it.effect("decodes the older digits.train names as Metrics", () =>
    Effect.gen(function*() {
      const legacy: DigitsTrainEvent = { type: "digits.train.started.v1", request_id: "r", user_id: 1n, model_id: "m", run_id: null, ts, total_epochs: 2 }
      const message = yield* decodeChannelMessage(stringifyWire(legacy))
      assert.strictEqual(message._tag, "Metrics")
      assert.deepStrictEqual(message.event, legacy)
    }))

  it.effect("decodes lifecycle events of any domain as Lifecycle", () =>
    Effect.gen(function*() {
      for (const event of [digitsProgress, trainerCompleted]) {
        const message = yield* decodeChannelMessage(yield* encodeJobEvent(event))
        assert.deepStrictEqual(message, { _tag: "Lifecycle", event })
      }
    }))

  it("knows which types are metrics", () => {
    assert.isTrue(isMetricsType("digits.metrics.config.v1"))
    assert.isTrue(isMetricsType("digits.train.failed.v1"))
    assert.isTrue(isMetricsType("trainer.metrics.completed.v1"))
    assert.isFalse(isMetricsType("trainer.job.completed.v1"))
    assert.isFalse(isMetricsType("digits.metrics.nope.v1"))
  })

  const malformed: ReadonlyArray<readonly [string, string, string]> = [
    [
      "a metrics event with a bad field",
      stringifyWire({ ...digitsBatch, batch_loss: "high" }),
      `DigitsBatchV1: Expected number at ["batch_loss"]`
    ],
    [
      "a trainer metrics event with a bad field",
      stringifyWire({ ...trainerProgress, step: 0 }),
      `TrainerProgressMetricsV1: Expected an integer >= 1 at ["step"]`
    ],
    [
      "a lifecycle event with a bad field",
      stringifyWire({ ...digitsProgress, progress: 250 }),
      `JobProgressV1: Expected a value between 0 and 100 at ["progress"]`
    ],
    [
      "an unknown type in the digits.metrics family",
      stringifyWire({ ...digitsBatch, type: "digits.metrics.loss.v1" }),
      `DigitsMetricsEvent: Unknown type "digits.metrics.loss.v1", expected one of digits.metrics.config.v1, ` +
        `digits.metrics.batch.v1, digits.metrics.epoch.v1, digits.metrics.best.v1, digits.metrics.artifact.v1, ` +
        `digits.metrics.upload.v1, digits.metrics.prune.v1, digits.metrics.completed.v1`
    ],
    [
      "an unknown type in the trainer.metrics family",
      stringifyWire({ ...trainerProgress, type: "trainer.metrics.eval.v1" }),
      `TrainerMetricsEvent: Unknown type "trainer.metrics.eval.v1", expected one of trainer.metrics.config.v1, ` +
        `trainer.metrics.progress.v1, trainer.metrics.completed.v1`
    ],
    [
      "an unknown lifecycle suffix",
      stringifyWire({ ...digitsProgress, type: "digits.job.paused.v1" }),
      `JobEventV1: Expected type "{domain}.job.{started|progress|completed|failed}.v1", got "digits.job.paused.v1"`
    ],
    [
      "a type of no known family",
      stringifyWire({ type: "billing.invoice.sent.v1" }),
      `ChannelMessage: Unknown event type "billing.invoice.sent.v1", expected a lifecycle type ` +
        `"{domain}.job.{started|progress|completed|failed}.v1" or a metrics type (digits.metrics.*, digits.train.*, trainer.metrics.*)`
    ],
    ["no type", stringifyWire({ job_id: "j" }), `ChannelMessage: Expected a string at ["type"]`],
    ["malformed JSON", `not json`, "ChannelMessage: Expected a valid JSON string"],
    ["a JSON array", `[{"type":"digits.job.started.v1"}]`, "ChannelMessage: Expected object"]
  ]

  for (const [name, json, expected] of malformed) {
    it.effect(`rejects ${name}`, () =>
      Effect.gen(function*() {
        assert.strictEqual(yield* decodeError(json), expected)
      }))
  }
})
