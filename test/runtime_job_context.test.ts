/**
 * JobContext's pipelining, over a change poster whose answers the test gives by hand: progress
 * returns once queued, a job waits only when many progress changes are unanswered, a refused
 * progress surfaces as LeaseLost, and final changes wait for their own answer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Option } from "effect"
import { makeJobContext } from "../src/runtime/JobContext.js"
import type { JobChange } from "../src/runtime/JobQueue.js"
import type { RedisError } from "../src/redis/RedisError.js"

const info = { domain: "qr", jobId: "job-1", userId: 7n, queue: "qr", executionId: "job-1:1", attempt: 1, maxAttempts: 1 } as const

const makePoster = () => {
  const posted: Array<{ readonly change: JobChange; readonly applied: Deferred.Deferred<boolean, RedisError> }> = []
  const post = (change: JobChange) => {
    const applied = Deferred.makeUnsafe<boolean, RedisError>()
    posted.push({ change, applied })
    return applied
  }
  const answer = (index: number, applied: boolean) => {
    const entry = posted[index]
    if (entry === undefined) throw new Error(`nothing posted at ${index}`)
    Deferred.doneUnsafe(entry.applied, Effect.succeed(applied))
  }
  return { posted, post, answer }
}

describe("JobContext", () => {
  it.effect("progress returns once queued; the changes are posted in order", () =>
    Effect.gen(function*() {
      const { posted, post } = makePoster()
      const ctx = makeJobContext(post, info)
      for (let i = 1; i <= 10; i++) yield* ctx.publishProgress(i * 9, `step ${i}`)
      assert.deepStrictEqual(posted.map((p) => p.change.kind), Array.from({ length: 10 }, () => "update"))
      assert.deepStrictEqual(posted.map((p) => p.change.fields[1]), Array.from({ length: 10 }, (_, i) => String((i + 1) * 9)))
      assert.isTrue(posted.every((p) => p.change.executionId === "job-1:1"))
      assert.include(posted[9]?.change.event ?? "", "\"message\":\"step 10\"")
    }))

  it.effect("waits for the oldest progress once 16 are unanswered", () =>
    Effect.gen(function*() {
      const { posted, post, answer } = makePoster()
      const ctx = makeJobContext(post, info)
      for (let i = 0; i < 16; i++) yield* ctx.publishProgress(i)
      const seventeenth = yield* Effect.forkChild(ctx.publishProgress(50))
      yield* Effect.yieldNow
      assert.strictEqual(posted.length, 17)
      assert.isUndefined(seventeenth.pollUnsafe())
      answer(0, true)
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(seventeenth)))
    }))

  it.effect("a refused progress fails a later publish with LeaseLost", () =>
    Effect.gen(function*() {
      const { post, answer } = makePoster()
      const ctx = makeJobContext(post, info)
      for (let i = 0; i < 16; i++) yield* ctx.publishProgress(i)
      answer(0, false)
      const refused = yield* Effect.flip(ctx.publishProgress(99))
      assert.strictEqual(refused._tag, "LeaseLost")
    }))

  it.effect("a final change waits for its own answer and fails with LeaseLost when refused", () =>
    Effect.gen(function*() {
      const { posted, post, answer } = makePoster()
      const ctx = makeJobContext(post, info)
      yield* ctx.publishProgress(10)
      const completing = yield* Effect.forkChild(ctx.publishCompleted({ resultId: "r", resultBytes: 3 }))
      yield* Effect.yieldNow
      assert.deepStrictEqual(posted.map((p) => p.change.kind), ["update", "completed"])
      assert.isUndefined(completing.pollUnsafe())
      answer(1, false)
      const exit = yield* Fiber.await(completing)
      const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
      assert.strictEqual(Option.isSome(error) ? error.value._tag : "none", "LeaseLost")
    }))
})
