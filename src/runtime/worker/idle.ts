/**
 * How a worker's idle claim lanes wait for work. One lane asks the idle waiter, a loop that
 * waits on Redis for new jobs (blocking, on a connection of its own); the others wait until a
 * lane's claim comes back full, since then more jobs may be ready. So a lightly loaded worker
 * spends one blocking wait and one claim per job, not one per lane. A lane whose waiter does not
 * answer (restarting) looks again by itself.
 */
import { Deferred, Duration, Effect, Queue, Scope } from "effect"
import type { RedisError } from "../../redis/RedisError.js"

type WaitForWork = (timeoutMs: number) => Effect.Effect<boolean, RedisError>

export interface IdleWaiting {
  /** A lane's wait; `nextDelayedInMs`: when its claim saw a delayed job coming due, the wait ends then. */
  readonly idle: (nextDelayedInMs: number | undefined) => Effect.Effect<void>
  /** A lane's claim came back full: lanes waiting beside the idle waiter look again. */
  readonly wakeIdleLanes: () => void
  /** One round of the idle waiter loop (run it supervised, forever). */
  readonly waiterRound: Effect.Effect<void, RedisError>
}

export const makeIdleWaiting = (
  /** JobQueue's makeWaiter for the domain: reserves the blocking connection. */
  makeWaiter: Effect.Effect<WaitForWork, RedisError, Scope.Scope>,
  idleWaitMs: number,
  /** The worker's scope: the waiter's connection is reserved in it, once. */
  scope: Scope.Scope
): Effect.Effect<IdleWaiting> =>
  Effect.gen(function*() {
    let waitingOnRedis = false
    let claimedFull = Deferred.makeUnsafe<void>()
    const wakeIdleLanes = () => {
      const woken = claimedFull
      claimedFull = Deferred.makeUnsafe<void>()
      Deferred.doneUnsafe(woken, Effect.void)
    }
    const waitRequests = yield* Queue.sliding<{ readonly timeoutMs: number; readonly done: Deferred.Deferred<void> }>(1)
    const idle = (nextDelayedInMs: number | undefined) =>
      Effect.suspend(() => {
        if (waitingOnRedis) return Effect.asVoid(Effect.timeoutOption(Deferred.await(claimedFull), Duration.millis(idleWaitMs)))
        waitingOnRedis = true
        const timeoutMs = Math.min(idleWaitMs, nextDelayedInMs ?? idleWaitMs)
        const done = Deferred.makeUnsafe<void>()
        Queue.offerUnsafe(waitRequests, { timeoutMs, done })
        return Effect.asVoid(Effect.timeoutOption(Deferred.await(done), Duration.millis(timeoutMs + idleWaitMs)))
      })
    let waitForWork: WaitForWork | undefined
    const waiterRound = Effect.gen(function*() {
      const request = yield* Queue.take(waitRequests)
      // The connection is reserved once, for the worker's lifetime (it reconnects by itself).
      waitForWork ??= yield* makeWaiter.pipe(Scope.provide(scope))
      yield* waitForWork(request.timeoutMs).pipe(Effect.ensuring(Effect.sync(() => {
        waitingOnRedis = false
        Deferred.doneUnsafe(request.done, Effect.void)
      })))
    })
    return { idle, wakeIdleLanes, waiterRound }
  })
