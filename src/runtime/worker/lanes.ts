/**
 * A worker's slots split into lanes: each lane has its own claim loop and its own batched call
 * stream (queue/ChangeBatcher.ts), so Redis applies one lane's call while the process runs the
 * other lane's jobs.
 */
import { Effect, Queue } from "effect"
import type { PostChange } from "../queue/ChangeBatcher.js"

/** A share of the worker's slots with its own claim loop and its own batched call stream. */
export interface Lane {
  readonly index: number
  readonly size: number
  /** One token per free slot: the claim loop takes as many as are free and claims that many jobs. */
  readonly slots: Queue.Queue<true>
  readonly post: PostChange
  /** Slots taken by the claim round in progress and not yet handed to a job: given back if it fails. */
  held: number
}

/** `count` tokens for a lane's slot queue. */
export const slotTokens = (count: number): Array<true> => Array.from({ length: count }, (): true => true)

/**
 * Splits `concurrency` slots over the lanes asked for (default: 2 from concurrency 8 up, else 1;
 * never more lanes than slots); `changes` gives a lane its batched call stream.
 */
export const makeLanes = (
  concurrency: number,
  requested: number | undefined,
  changes: (lane: number) => Effect.Effect<PostChange>
): Effect.Effect<ReadonlyArray<Lane>> => {
  const laneCount = Math.min(concurrency, Math.max(1, Math.floor(requested ?? (concurrency >= 8 ? 2 : 1))))
  return Effect.forEach(Array.from({ length: laneCount }, (_, index) => index), (index) =>
    Effect.gen(function*() {
      const size = Math.floor(concurrency / laneCount) + (index < concurrency % laneCount ? 1 : 0)
      const slots = yield* Queue.bounded<true>(size)
      yield* Queue.offerAll(slots, slotTokens(size))
      const post = yield* changes(index)
      const lane: Lane = { index, size, slots, post, held: 0 }
      return lane
    }))
}
