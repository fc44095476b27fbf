import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { decodeJobEvent, encodeJobEvent, isLifecycleType } from "../src/contracts/LifecycleCodec.js"
import {
  defaultEventsChannel,
  type EventIdentity,
  type JobEventV1,
  makeCompletedEvent,
  makeEventType,
  makeFailedEvent,
  makeProgressEvent,
  makeStartedEvent
} from "../src/contracts/LifecycleEvents.js"
import { parseWireJson, stringifyWire } from "../src/contracts/WireJson.js"

const id: EventIdentity = { domain: "qr", job_id: "job-1", user_id: 42n }

const started = makeStartedEvent(id, "qr:queue")
const progress = makeProgressEvent(id, 40, "rendering", { pages: [1, 2], note: null })
const completed = makeCompletedEvent(id, "result-9", 2048)
const failed = makeFailedEvent(id, "user", "payload too large")

/** Encodes one wire object (not via the codec) with a field replaced or removed. */
const wire = (event: JobEventV1, change: Record<string, unknown>, drop: ReadonlyArray<string> = []): string => {
  const record: Record<string, unknown> = { ...event, ...change }
  for (const key of drop) delete record[key]
  return stringifyWire(record)
}

const decodeError = (json: string) => Effect.flip(decodeJobEvent(json)).pipe(Effect.map((error) => error.message))

describe("lifecycle events", () => {
  it("builds types and channels from the domain", () => {
    assert.strictEqual(makeEventType("digits", "completed"), "digits.job.completed.v1")
    assert.strictEqual(defaultEventsChannel("trainer"), "trainer:events")
    assert.isTrue(isLifecycleType("music_wrapped.job.failed.v1"))
    assert.isFalse(isLifecycleType("qr.job.exploded.v1"))
    assert.isFalse(isLifecycleType("digits.metrics.batch.v1"))
  })

  for (const event of [started, progress, completed, failed]) {
    it.effect(`round-trips ${event.type}`, () =>
      Effect.gen(function*() {
        const json = yield* encodeJobEvent(event)
        assert.deepStrictEqual(parseWireJson(json), event)
        assert.deepStrictEqual(yield* decodeJobEvent(json), event)
      }))
  }

  it.effect("keeps the wire field order and leaves absent optional fields out", () =>
    Effect.gen(function*() {
      const json = yield* encodeJobEvent(makeProgressEvent(id, 0))
      assert.strictEqual(json, `{"type":"qr.job.progress.v1","domain":"qr","job_id":"job-1","user_id":42,"progress":0}`)
    }))

  it.effect("accepts progress at both ends of 0..100", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* decodeJobEvent(wire(progress, { progress: 0 }))).type, "qr.job.progress.v1")
      assert.strictEqual((yield* decodeJobEvent(wire(progress, { progress: 100 }))).type, "qr.job.progress.v1")
    }))

  it.effect("ignores unknown extra fields so producers can add them", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* decodeJobEvent(wire(started, { trace_id: "t" })), started)
    }))

  it.effect("decodes events of a domain nobody registered (domains are open)", () =>
    Effect.gen(function*() {
      const shout = makeStartedEvent({ domain: "shout_2", job_id: "j", user_id: 1n }, "shout_2:queue")
      assert.deepStrictEqual(yield* decodeJobEvent(yield* encodeJobEvent(shout)), shout)
    }))

  const malformed: ReadonlyArray<readonly [string, string, string]> = [
    ["user_id as a string", wire(started, { user_id: "42" }), `JobStartedV1: Expected an integer user_id at ["user_id"]`],
    ["non-integer user_id", wire(started, { user_id: 4.2 }), `JobStartedV1: Expected an integer user_id at ["user_id"]`],
    ["missing job_id", wire(started, {}, ["job_id"]), `JobStartedV1: Missing key at ["job_id"]`],
    ["missing queue", wire(started, {}, ["queue"]), `JobStartedV1: Missing key at ["queue"]`],
    ["missing domain", wire(started, {}, ["domain"]), `JobStartedV1: Missing key at ["domain"]`],
    ["queue as a number", wire(started, { queue: 7 }), `JobStartedV1: Expected string at ["queue"]`],
    [
      "type that does not match domain",
      wire(started, { domain: "digits" }),
      `JobStartedV1: Expected "digits.job.started.v1" for domain "digits", got "qr.job.started.v1" at ["type"]`
    ],
    [
      "domain name that breaks the naming rule in type and field",
      wire(started, { type: "PDF.job.started.v1", domain: "PDF" }),
      `JobStartedV1: Expected a domain name (a lower-case letter, then up to 31 lower-case letters, digits or _), got "PDF" at ["type"]`
    ],
    [
      "domain field that breaks the naming rule",
      wire(started, { type: "x9.job.started.v1", domain: "x-9" }),
      `JobStartedV1: Expected a domain name: a lower-case letter, then up to 31 lower-case letters, digits or _ at ["domain"]`
    ],
    [
      "domain name over 32 characters",
      wire(started, { type: `${"a".repeat(33)}.job.started.v1`, domain: "a".repeat(33) }),
      `JobStartedV1: Expected a domain name (a lower-case letter, then up to 31 lower-case letters, digits or _), got "${"a".repeat(33)}" at ["type"]`
    ],
    ["progress above 100", wire(progress, { progress: 101 }), `JobProgressV1: Expected a value between 0 and 100 at ["progress"]`],
    ["progress below 0", wire(progress, { progress: -1 }), `JobProgressV1: Expected a value between 0 and 100 at ["progress"]`],
    ["fractional progress", wire(progress, { progress: 12.5 }), `JobProgressV1: Expected an integer at ["progress"]`],
    ["message as a number", wire(progress, { message: 3 }), `JobProgressV1: Expected string at ["message"]`],
    ["negative result_bytes", wire(completed, { result_bytes: -1 }), `JobCompletedV1: Expected a value greater than or equal to 0 at ["result_bytes"]`],
    ["missing result_id", wire(completed, {}, ["result_id"]), `JobCompletedV1: Missing key at ["result_id"]`],
    ["unknown error_kind", wire(failed, { error_kind: "fatal" }), `JobFailedV1: Expected "user" | "system" at ["error_kind"]`],
    ["missing message", wire(failed, {}, ["message"]), `JobFailedV1: Missing key at ["message"]`],
    [
      "unknown event suffix",
      wire(started, { type: "qr.job.exploded.v1" }),
      `JobEventV1: Expected type "{domain}.job.{started|progress|completed|failed}.v1", got "qr.job.exploded.v1"`
    ],
    ["missing type", wire(started, {}, ["type"]), `JobEventV1: Expected a string at ["type"]`],
    ["type as a number", wire(started, { type: 1 }), `JobEventV1: Expected a string at ["type"]`],
    ["malformed JSON", `{"type":"qr.job.started.v1"`, "JobEventV1: Expected a valid JSON string"],
    ["a JSON array", `[1,2]`, "JobEventV1: Expected object"],
    ["a JSON string", `"qr.job.started.v1"`, "JobEventV1: Expected object"],
    ["JSON null", `null`, "JobEventV1: Expected object"]
  ]

  for (const [name, json, expected] of malformed) {
    it.effect(`rejects ${name}`, () =>
      Effect.gen(function*() {
        const message = yield* decodeError(json)
        assert.strictEqual(message, expected)
      }))
  }

  it.effect("refuses to encode an event that breaks its contract", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(encodeJobEvent(makeProgressEvent(id, 250)))
      assert.strictEqual(error._tag, "ContractError")
      assert.strictEqual(error.contract, "JobProgressV1")
      assert.match(error.message, /at \["progress"\]$/)
    }))
})
