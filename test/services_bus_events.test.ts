import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { stringifyWire } from "../src/contracts/WireJson.js"
import { JobBusEvents } from "../src/services/jobs/events.js"
import { TaskBusEvents } from "../src/services/tasks/events.js"
import { busSamplesByFile } from "./services_bus_samples.js"

describe("job and task bus events", () => {
  for (const [file, sample] of Object.entries(busSamplesByFile)) {
    it.effect(`${file}: encodes to wire JSON and decodes back with exact user ids`, () =>
      Effect.gen(function*() {
        const text = stringifyWire(sample)
        if (file.startsWith("bus.job.")) {
          const decoded = yield* JobBusEvents.decode(text)
          assert.deepStrictEqual(decoded, sample)
          assert.deepStrictEqual(yield* JobBusEvents.decode(yield* JobBusEvents.encode(decoded)), sample)
        } else {
          const decoded = yield* TaskBusEvents.decode(text)
          assert.deepStrictEqual(decoded, sample)
          assert.deepStrictEqual(yield* TaskBusEvents.decode(yield* TaskBusEvents.encode(decoded)), sample)
        }
      }))
  }

  it.effect("refuses an unknown type, a wrong field and a user id given as a float", () =>
    Effect.gen(function*() {
      const base = `"event_id":"3e9a2c1d-7b6f-4e5a-9c8d-1f2e3d4c5b6a","occurred_at":"2026-12-07T07:39:33Z","task_id":"t","user_id":1`
      const unknown = yield* Effect.flip(TaskBusEvents.decode(`{"type":"task.exploded.v1",${base}}`))
      assert.include(unknown.message, "task.exploded.v1")
      const wrong = yield* Effect.flip(TaskBusEvents.decode(`{"type":"task.completed.v1",${base},"forced":"yes"}`))
      assert.include(wrong.message, "forced")
      const float = yield* Effect.flip(TaskBusEvents.decode(`{"type":"task.deleted.v1",${base.replace('"user_id":1', '"user_id":1.0')}}`))
      assert.include(float.message, "user_id")
      assert.deepStrictEqual(JobBusEvents.types.length, 9)
      assert.deepStrictEqual(TaskBusEvents.types.length, 7)
    }))
})
