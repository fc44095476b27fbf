/**
 * The runtime's fiber scheduler (src/runtime/JobScheduler.ts): fiber starts and yields run as
 * microtasks in the same event-loop turn, and busy fibers still let timers and sockets in.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { jobSchedulerLayer } from "../src/runtime/JobScheduler.js"

describe("job scheduler", () => {
  it.live("a forked fiber starts before the next event-loop turn", () =>
    Effect.gen(function*() {
      const order: Array<string> = []
      // Start from a fresh turn, as a job does when a reply arrives.
      yield* Effect.sleep("20 millis")
      yield* Effect.sync(() => setImmediate(() => order.push("next turn")))
      const fiber = yield* Effect.forkChild(Effect.sync(() => order.push("fiber")))
      yield* Fiber.join(fiber)
      yield* Effect.sleep("20 millis")
      assert.deepStrictEqual(order, ["fiber", "next turn"])
    }).pipe(Effect.provide(jobSchedulerLayer)))

  it.live("fibers that yield without end do not starve a timer", () =>
    Effect.gen(function*() {
      const spinners = yield* Effect.forEach([1, 2, 3], () => Effect.forkChild(Effect.forever(Effect.yieldNow)))
      const started = Date.now()
      // A plain Node timer: it fires only when the event loop gets a turn.
      const firedAfter = yield* Effect.promise(() => new Promise<number>((resolve) => setTimeout(() => resolve(Date.now() - started), 5)))
      yield* Effect.forEach(spinners, Fiber.interrupt)
      assert.isBelow(firedAfter, 500, `the 5 ms timer fired after ${firedAfter} ms`)
    }).pipe(Effect.provide(jobSchedulerLayer)))
})
