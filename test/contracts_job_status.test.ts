import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { decodeJobStatus, encodeJobStatus } from "../src/contracts/JobStatus.js"

const valid = {
  job_id: "j1",
  user_id: "42",
  status: "processing",
  progress: "37",
  message: "halfway",
  created_at: "2026-11-23T01:00:00.000000+00:00",
  updated_at: "2026-11-23T01:00:05.250000+00:00",
  error: ""
}

const errorOf = (raw: Record<string, string>) => Effect.flip(decodeJobStatus("j1", raw)).pipe(Effect.map((e) => e.message))

describe("job status hash codec (seed 000 BaseJobStatus)", () => {
  it.effect("decodes a valid hash and encodes it back to the same fields", () =>
    Effect.gen(function*() {
      const status = yield* decodeJobStatus("j1", valid)
      assert.strictEqual(status.status, "processing")
      assert.strictEqual(status.progress, 37)
      assert.strictEqual(status.user_id, 42n)
      assert.strictEqual(status.error, null)
      assert.strictEqual(DateTime.formatIso(status.updated_at), "2026-11-23T01:00:05.250Z")
      assert.deepStrictEqual(encodeJobStatus(status), valid)
      // Times written by older writers (`Z`) read the same and are written back in Python's form.
      const older = yield* decodeJobStatus("j1", { ...valid, updated_at: "2026-11-23T01:00:05.250Z" })
      assert.deepStrictEqual(encodeJobStatus(older), valid)
    }))

  it.effect("reads empty or blank optionals as null and trims values", () =>
    Effect.gen(function*() {
      const status = yield* decodeJobStatus("j1", { ...valid, message: "   ", error: " disk full ", progress: " 5 " })
      assert.strictEqual(status.message, null)
      assert.strictEqual(status.error, "disk full")
      assert.strictEqual(status.progress, 5)
    }))

  it.effect("accepts a Python-style datetime without offset as UTC", () =>
    Effect.gen(function*() {
      const status = yield* decodeJobStatus("j1", { ...valid, created_at: "2025-11-28T10:15:00.123456" })
      assert.strictEqual(DateTime.formatIso(status.created_at), "2025-11-28T10:15:00.123Z")
    }))

  it.effect("rejects each malformed field with a message naming the job and field", () =>
    Effect.gen(function*() {
      const { status: _status, ...noStatus } = valid
      assert.strictEqual(yield* errorOf(noStatus), "job j1: missing status in redis store")
      assert.strictEqual(yield* errorOf({ ...valid, status: "running" }),
        `job j1: invalid status in redis store: "running" (expected one of queued, processing, completed, failed)`)
      assert.strictEqual(yield* errorOf({ ...valid, progress: "12.5" }), `job j1: invalid progress in redis store: "12.5" is not an integer`)
      assert.strictEqual(yield* errorOf({ ...valid, progress: "" }), `job j1: invalid progress in redis store: "" is not an integer`)
      assert.strictEqual(yield* errorOf({ ...valid, progress: "101" }), "job j1: invalid progress in redis store: 101 is outside 0..100")
      assert.strictEqual(yield* errorOf({ ...valid, user_id: "alice" }), `job j1: invalid user_id in redis store: "alice" is not an integer`)
      const { created_at: _created, ...noCreated } = valid
      assert.strictEqual(yield* errorOf(noCreated), "job j1: missing created_at in redis store")
      assert.strictEqual(yield* errorOf({ ...valid, updated_at: " " }), "job j1: missing updated_at in redis store")
      assert.strictEqual(yield* errorOf({ ...valid, updated_at: "yesterday" }),
        `job j1: invalid updated_at in redis store: "yesterday" is not an ISO 8601 datetime`)
      assert.strictEqual(yield* errorOf({ ...valid, created_at: "2026-13-45T99:00:00Z" }),
        `job j1: invalid created_at in redis store: "2026-13-45T99:00:00Z" is not an ISO 8601 datetime`)
    }))
})
