import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  decodeDigitsMetricsEvent,
  type DigitsMetricsEvent,
  type DigitsRunIdentity,
  encodeDigitsMetricsEvent,
  isDigitsMetricsType,
  makeDigitsArtifact,
  makeDigitsBatch,
  makeDigitsBest,
  makeDigitsCompleted,
  makeDigitsConfig,
  makeDigitsEpoch,
  makeDigitsPrune,
  makeDigitsUpload
} from "../src/contracts/DigitsMetrics.js"
import { parseWireJson, stringifyWire } from "../src/contracts/WireJson.js"

const id: DigitsRunIdentity = { request_id: "req-7", user_id: 42n, model_id: "mnist-cnn", run_id: null }
const withRun: DigitsRunIdentity = { ...id, run_id: "run-2026-11-23" }
const ts = "2026-11-23T01:02:03.456Z"

const config = makeDigitsConfig(id, ts, {
  total_epochs: 3,
  batch_size: 64,
  learning_rate: 0.001,
  seed: 1234,
  train_samples: 60000,
  val_samples: 10000
})
const batch = makeDigitsBatch(id, ts, {
  epoch: 1,
  total_epochs: 3,
  batch: 10,
  total_batches: 938,
  batch_loss: 0.41,
  batch_acc: 0.875,
  avg_loss: 0.62,
  samples_per_sec: 5120.5
})
const epoch = makeDigitsEpoch(withRun, ts, { epoch: 3, total_epochs: 3, train_loss: 0.08, val_acc: 0.9871, time_s: 12.3 })
const best = makeDigitsBest(withRun, ts, { epoch: 2, val_acc: 0.99 })
const artifact = makeDigitsArtifact(withRun, ts, "artifacts/mnist-cnn/run-2026-11-23/model.pt")
const upload = makeDigitsUpload(withRun, ts, { status: 201, model_bytes: 1_234_567, manifest_bytes: 512 })
const prune = makeDigitsPrune(withRun, ts, 0)
const completed = makeDigitsCompleted(withRun, ts, 0.99)
const completedWithDrops = makeDigitsCompleted(withRun, ts, 0.99, 17)

const all: ReadonlyArray<DigitsMetricsEvent> = [config, batch, epoch, best, artifact, upload, prune, completed, completedWithDrops]

const wire = (event: DigitsMetricsEvent, change: Record<string, unknown>, drop: ReadonlyArray<string> = []) => {
  const record: Record<string, unknown> = { ...event, ...change }
  for (const key of drop) delete record[key]
  return stringifyWire(record)
}

const decodeError = (json: string) => Effect.flip(decodeDigitsMetricsEvent(json)).pipe(Effect.map((error) => error.message))

describe("digits.metrics events", () => {
  for (const event of all) {
    it.effect(`round-trips ${event.type}${"dropped_metrics" in event ? " with dropped_metrics" : ""}`, () =>
      Effect.gen(function*() {
        const json = yield* encodeDigitsMetricsEvent(event)
        assert.deepStrictEqual(parseWireJson(json), event)
        assert.deepStrictEqual(yield* decodeDigitsMetricsEvent(json), event)
      }))
  }

  it.effect("puts type first and the common fields before the event's own", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* encodeDigitsMetricsEvent(best),
        `{"type":"digits.metrics.best.v1","request_id":"req-7","user_id":42,"model_id":"mnist-cnn",` +
          `"run_id":"run-2026-11-23","ts":"2026-11-23T01:02:03.456Z","epoch":2,"val_acc":0.99}`
      )
    }))

  it("leaves dropped_metrics out when the emitter did not count any", () => {
    assert.isFalse("dropped_metrics" in completed)
    assert.strictEqual(completedWithDrops.dropped_metrics, 17)
  })

  it("recognises exactly its own types", () => {
    assert.isTrue(isDigitsMetricsType("digits.metrics.prune.v1"))
    assert.isFalse(isDigitsMetricsType("digits.train.prune.v1"))
    assert.isFalse(isDigitsMetricsType("digits.metrics.prune.v2"))
  })

  it.effect("accepts timestamps with an offset and the boundaries of each range", () =>
    Effect.gen(function*() {
      const ok = [
        wire(batch, { ts: "2026-11-23T23:30:00-05:00" }),
        wire(batch, { batch_acc: 0, batch_loss: 0 }),
        wire(batch, { batch_acc: 1, epoch: 3, batch: 938 }),
        wire(upload, { status: 599 }),
        wire(config, { seed: -1, train_samples: 0 })
      ]
      for (const json of ok) assert.strictEqual((yield* decodeDigitsMetricsEvent(json)).request_id, "req-7")
    }))

  const malformed: ReadonlyArray<readonly [string, string, string]> = [
    ["batch_loss as a string", wire(batch, { batch_loss: "0.4" }), `DigitsBatchV1: Expected number at ["batch_loss"]`],
    ["negative batch_loss", wire(batch, { batch_loss: -0.1 }), `DigitsBatchV1: Expected a finite number >= 0 at ["batch_loss"]`],
    ["batch_acc as a percentage", wire(batch, { batch_acc: 87.5 }), `DigitsBatchV1: Expected a fraction between 0 and 1 at ["batch_acc"]`],
    ["batch 0 (counts start at 1)", wire(batch, { batch: 0 }), `DigitsBatchV1: Expected an integer >= 1 at ["batch"]`],
    ["fractional epoch", wire(batch, { epoch: 1.5 }), `DigitsBatchV1: Expected an integer at ["epoch"]`],
    ["epoch past total_epochs", wire(batch, { epoch: 4 }), `DigitsBatchV1: Expected epoch <= total_epochs (3), got 4 at ["epoch"]`],
    ["batch past total_batches", wire(batch, { batch: 939 }), `DigitsBatchV1: Expected batch <= total_batches (938), got 939 at ["batch"]`],
    ["missing samples_per_sec", wire(batch, {}, ["samples_per_sec"]), `DigitsBatchV1: Missing key at ["samples_per_sec"]`],
    ["missing run_id", wire(batch, {}, ["run_id"]), `DigitsBatchV1: Missing key at ["run_id"]`],
    ["run_id as a number", wire(batch, { run_id: 5 }), `DigitsBatchV1: Expected string | null at ["run_id"]`],
    ["non-integer user_id", wire(batch, { user_id: 4.2 }), `DigitsBatchV1: Expected an integer user_id at ["user_id"]`],
    ["request_id as a number", wire(batch, { request_id: 7 }), `DigitsBatchV1: Expected string at ["request_id"]`],
    ["a date without time", wire(batch, { ts: "2026-11-23" }), `DigitsBatchV1: Expected an ISO-8601 timestamp like 2026-01-31T12:00:00Z at ["ts"]`],
    ["a time without offset", wire(batch, { ts: "2026-11-23T01:02:03" }), `DigitsBatchV1: Expected an ISO-8601 timestamp like 2026-01-31T12:00:00Z at ["ts"]`],
    ["an impossible date", wire(batch, { ts: "2026-02-30T00:00:00Z" }), `DigitsBatchV1: Expected an ISO-8601 timestamp naming a real date and time at ["ts"]`],
    ["an impossible hour", wire(batch, { ts: "2026-02-03T25:00:00Z" }), `DigitsBatchV1: Expected an ISO-8601 timestamp naming a real date and time at ["ts"]`],
    ["epoch val_acc above 1", wire(epoch, { val_acc: 1.01 }), `DigitsEpochV1: Expected a fraction between 0 and 1 at ["val_acc"]`],
    ["epoch past total in epoch event", wire(epoch, { epoch: 5 }), `DigitsEpochV1: Expected epoch <= total_epochs (3), got 5 at ["epoch"]`],
    ["negative time_s", wire(epoch, { time_s: -1 }), `DigitsEpochV1: Expected a finite number >= 0 at ["time_s"]`],
    ["zero batch_size", wire(config, { batch_size: 0 }), `DigitsConfigV1: Expected an integer >= 1 at ["batch_size"]`],
    ["zero learning_rate", wire(config, { learning_rate: 0 }), `DigitsConfigV1: Expected a finite number > 0 at ["learning_rate"]`],
    ["fractional seed", wire(config, { seed: 0.5 }), `DigitsConfigV1: Expected an integer at ["seed"]`],
    ["best without epoch", wire(best, {}, ["epoch"]), `DigitsBestV1: Missing key at ["epoch"]`],
    ["empty artifact path", wire(artifact, { path: "" }), `DigitsArtifactV1: Expected a non-empty string at ["path"]`],
    ["upload status out of HTTP range", wire(upload, { status: 42 }), `DigitsUploadV1: Expected an HTTP status code between 100 and 599 at ["status"]`],
    ["negative model_bytes", wire(upload, { model_bytes: -5 }), `DigitsUploadV1: Expected an integer >= 0 at ["model_bytes"]`],
    ["fractional deleted_count", wire(prune, { deleted_count: 1.5 }), `DigitsPruneV1: Expected an integer at ["deleted_count"]`],
    ["negative dropped_metrics", wire(completed, { dropped_metrics: -1 }), `DigitsCompletedV1: Expected an integer >= 0 at ["dropped_metrics"]`],
    ["completed without val_acc", wire(completed, {}, ["val_acc"]), `DigitsCompletedV1: Missing key at ["val_acc"]`],
    [
      "an unknown metrics type",
      wire(batch, { type: "digits.metrics.gradient.v1" }),
      `DigitsMetricsEvent: Unknown type "digits.metrics.gradient.v1", expected one of digits.metrics.config.v1, ` +
        `digits.metrics.batch.v1, digits.metrics.epoch.v1, digits.metrics.best.v1, digits.metrics.artifact.v1, ` +
        `digits.metrics.upload.v1, digits.metrics.prune.v1, digits.metrics.completed.v1`
    ],
    ["a missing type", wire(batch, {}, ["type"]), `DigitsMetricsEvent: Expected a string at ["type"]`],
    ["malformed JSON", `{"type":`, "DigitsMetricsEvent: Expected a valid JSON string"],
    ["a JSON array", `[]`, "DigitsMetricsEvent: Expected object"]
  ]

  for (const [name, json, expected] of malformed) {
    it.effect(`rejects ${name}`, () =>
      Effect.gen(function*() {
        assert.strictEqual(yield* decodeError(json), expected)
      }))
  }

  it.effect("refuses to encode an event that breaks its contract", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(encodeDigitsMetricsEvent(makeDigitsBest(id, ts, { epoch: 1, val_acc: 98.7 })))
      assert.strictEqual(error.message, `DigitsBestV1: Expected a fraction between 0 and 1 at ["val_acc"]`)
    }))

  it.effect("refuses to encode a NaN loss instead of sending null", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(encodeDigitsMetricsEvent({ ...batch, batch_loss: Number.NaN }))
      assert.match(error.message, /^DigitsBatchV1: .* at \["batch_loss"\]$/)
    }))
})
