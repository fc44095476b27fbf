import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { encodeJobEvent } from "../src/contracts/LifecycleCodec.js"
import {
  type JobEventV1,
  makeCompletedEvent,
  makeFailedEvent,
  makeProgressEvent,
  makeStartedEvent
} from "../src/contracts/LifecycleEvents.js"
import { encodeEventJson } from "../src/runtime/EventJson.js"

const id = { domain: "qr" as const, job_id: "job-1", user_id: 7n }

describe("encodeEventJson", () => {
  const valid: ReadonlyArray<JobEventV1> = [
    makeStartedEvent(id, "qr"),
    makeProgressEvent(id, 0),
    makeProgressEvent(id, 100, "done \"quoted\" \n line"),
    makeProgressEvent(id, 40, "with hint", { stage: "render", sizes: [1, 2] }),
    makeCompletedEvent(id, "result-1", 0),
    makeCompletedEvent(id, "result-2", 123_456),
    makeFailedEvent(id, "user", "bad input"),
    makeFailedEvent({ ...id, domain: "databank" }, "system", "disk full")
  ]

  it.effect("gives the same text as the schema encoder for every event kind", () =>
    Effect.gen(function*() {
      for (const event of valid) {
        assert.strictEqual(yield* encodeEventJson(event), yield* encodeJobEvent(event))
      }
    }))

  const invalid: ReadonlyArray<readonly [string, JobEventV1]> = [
    ["user id beyond 64 bits", makeStartedEvent({ ...id, user_id: 2n ** 63n }, "qr")],
    ["progress over 100", makeProgressEvent(id, 101)],
    ["fractional progress", makeProgressEvent(id, 12.5)],
    ["negative result bytes", makeCompletedEvent(id, "r", -1)],
    ["non-finite result bytes", makeCompletedEvent(id, "r", Number.NaN)]
  ]

  it.effect("rejects what the schema encoder rejects, with its error", () =>
    Effect.gen(function*() {
      for (const [what, event] of invalid) {
        const fast = yield* Effect.flip(encodeEventJson(event))
        const slow = yield* Effect.flip(encodeJobEvent(event))
        assert.strictEqual(fast.message, slow.message, what)
        assert.strictEqual(fast._tag, "ContractError", what)
      }
    }))
})
