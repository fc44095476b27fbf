/**
 * Passes at most one element per key per interval: the first goes through at once, later ones
 * within the interval are coalesced into the newest, which is sent when the interval has passed.
 * The last element of every key is always delivered, so a renderer never misses a final state.
 */
import { Clock, Duration, Effect, FiberSet, Queue, Stream } from "effect"

export const throttleByKey = <A, E, R>(
  self: Stream.Stream<A, E, R>,
  keyOf: (a: A) => string,
  intervalMs: number
): Stream.Stream<A, E, R> =>
  Stream.callback<A, E, R>((out) =>
    Effect.gen(function*() {
      const lastSent = new Map<string, number>()
      const pending = new Map<string, A>()
      const timers = yield* FiberSet.make<void, never>()

      const flush = (key: string) =>
        Effect.gen(function*() {
          const value = pending.get(key)
          if (value === undefined) return
          pending.delete(key)
          lastSent.set(key, yield* Clock.currentTimeMillis)
          yield* Queue.offer(out, value)
        })

      const accept = (value: A) =>
        Effect.gen(function*() {
          const key = keyOf(value)
          if (pending.has(key)) {
            pending.set(key, value)
            return
          }
          const now = yield* Clock.currentTimeMillis
          const last = lastSent.get(key)
          if (last === undefined || now - last >= intervalMs) {
            lastSent.set(key, now)
            yield* Queue.offer(out, value)
            return
          }
          pending.set(key, value)
          yield* FiberSet.run(timers, Effect.sleep(Duration.millis(intervalMs - (now - last))).pipe(Effect.andThen(flush(key))))
        })

      yield* Stream.runForEach(self, accept)
      yield* FiberSet.awaitEmpty(timers)
      yield* Queue.end(out)
    })
  )
