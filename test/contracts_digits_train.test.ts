import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  decodeDigitsTrainEvent,
  type DigitsTrainEvent,
  encodeDigitsTrainEvent,
  isDigitsTrainType
} from "../src/contracts/DigitsTrainEvents.js"
import { stringifyWire } from "../src/contracts/WireJson.js"

const common = { request_id: "req-1", user_id: 7n, model_id: "mnist", run_id: null, ts: "2026-11-23T00:00:00Z" }

/** Seed 001's older `digits.train.*` names, as an older emitter writes them. */
const legacyEvents: ReadonlyArray<DigitsTrainEvent> = [
  { type: "digits.train.started.v1", ...common, total_epochs: 5 },
  {
    type: "digits.train.batch.v1",
    ...common,
    epoch: 1,
    total_epochs: 5,
    batch: 1,
    total_batches: 100,
    batch_loss: 2.3,
    batch_acc: 0.1,
    avg_loss: 2.3,
    samples_per_sec: 800
  },
  { type: "digits.train.epoch.v1", ...common, epoch: 1, total_epochs: 5, train_loss: 0.3, val_acc: 0.95, time_s: 4 },
  { type: "digits.train.best.v1", ...common, epoch: 1, val_acc: 0.95 },
  { type: "digits.train.artifact.v1", ...common, run_id: "run-1", path: "/tmp/model.pt" },
  { type: "digits.train.upload.v1", ...common, run_id: "run-1", status: 200, model_bytes: 10, manifest_bytes: 2 },
  { type: "digits.train.prune.v1", ...common, run_id: "run-1", deleted_count: 3 },
  { type: "digits.train.completed.v1", ...common, run_id: "run-1", val_acc: 0.97 },
  { type: "digits.train.failed.v1", ...common, error_kind: "system", message: "out of memory" }
]

const wire = (event: DigitsTrainEvent, change: Record<string, unknown>, drop: ReadonlyArray<string> = []) => {
  const record: Record<string, unknown> = { ...event, ...change }
  for (const key of drop) delete record[key]
  return stringifyWire(record)
}

const at = (index: number): DigitsTrainEvent => {
  const event = legacyEvents[index]
  if (event === undefined) throw new Error(`no legacy event ${index}`)
  return event
}

describe("digits.train events (seed 001 names)", () => {
  it("covers all nine older names", () => {
    assert.strictEqual(new Set(legacyEvents.map((event) => event.type)).size, 9)
    for (const event of legacyEvents) assert.isTrue(isDigitsTrainType(event.type))
    assert.isFalse(isDigitsTrainType("digits.metrics.batch.v1"))
  })

  for (const event of legacyEvents) {
    it.effect(`decodes ${event.type} as written by an older emitter`, () =>
      Effect.gen(function*() {
        const json = stringifyWire(event)
        assert.deepStrictEqual(yield* decodeDigitsTrainEvent(json), event)
        // Re-encoded, float fields keep a float form (`800.0`), which reads back as the same event.
        assert.deepStrictEqual(yield* decodeDigitsTrainEvent(yield* encodeDigitsTrainEvent(event)), event)
      }))
  }

  const malformed: ReadonlyArray<readonly [string, string, string]> = [
    ["started without total_epochs", wire(at(0), {}, ["total_epochs"]), `DigitsTrainStartedV1: Missing key at ["total_epochs"]`],
    ["batch_loss as a string", wire(at(1), { batch_loss: "x" }), `DigitsTrainBatchV1: Expected number at ["batch_loss"]`],
    ["batch past its total", wire(at(1), { batch: 101 }), `DigitsTrainBatchV1: Expected batch <= total_batches (100), got 101 at ["batch"]`],
    ["epoch val_acc above 1", wire(at(2), { val_acc: 95 }), `DigitsTrainEpochV1: Expected a fraction between 0 and 1 at ["val_acc"]`],
    ["failed with an unknown error_kind", wire(at(8), { error_kind: "oops" }), `DigitsTrainFailedV1: Expected "user" | "system" at ["error_kind"]`],
    ["failed without message", wire(at(8), {}, ["message"]), `DigitsTrainFailedV1: Missing key at ["message"]`],
    ["missing ts", wire(at(3), {}, ["ts"]), `DigitsTrainBestV1: Missing key at ["ts"]`],
    [
      "an unknown train type",
      wire(at(0), { type: "digits.train.paused.v1" }),
      `DigitsTrainEvent: Unknown type "digits.train.paused.v1", expected one of digits.train.started.v1, ` +
        `digits.train.batch.v1, digits.train.epoch.v1, digits.train.best.v1, digits.train.artifact.v1, ` +
        `digits.train.upload.v1, digits.train.prune.v1, digits.train.completed.v1, digits.train.failed.v1`
    ],
    ["a JSON number", `12`, "DigitsTrainEvent: Expected object"]
  ]

  for (const [name, json, expected] of malformed) {
    it.effect(`rejects ${name}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(decodeDigitsTrainEvent(json))
        assert.strictEqual(error.message, expected)
      }))
  }
})
