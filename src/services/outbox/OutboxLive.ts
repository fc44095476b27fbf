/**
 * The outbox on PostgreSQL: `append` inserts the events into `outbox` on the caller's transaction
 * connection (so they commit or roll back with the change), and once that transaction commits it
 * wakes the publisher through `OutboxSignal`. The wake is only a hint for latency: the publisher also
 * polls, so a lost wake (another process appended, or the process died after COMMIT) costs at most
 * one idle interval, never an event.
 */
import { Array as Arr, Context, Effect, Layer, Queue } from "effect"
import { SqlClient } from "effect/sql"
import { Outbox } from "./Outbox.js"

/** "Rows were committed to the outbox": many wakes before the publisher looks collapse into one. */
export class OutboxSignal extends Context.Service<OutboxSignal, {
  readonly wake: Effect.Effect<void>
  /** Waits for the next wake (or returns at once when one is pending). */
  readonly awaitWake: Effect.Effect<void>
}>()("jobs/services/OutboxSignal") {
  static readonly layer: Layer.Layer<OutboxSignal> = Layer.effect(OutboxSignal, Effect.gen(function*() {
    // Capacity 1, dropping: a pending wake already covers every commit that comes before the next poll.
    const wakes = yield* Queue.dropping<void>(1)
    return OutboxSignal.of({
      wake: Queue.offer(wakes, undefined).pipe(Effect.asVoid),
      awaitWake: Queue.take(wakes)
    })
  }))
}

export const makeOutbox = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const signal = yield* OutboxSignal
  return Outbox.of({
    append: (events) => {
      const rows: Array<Record<string, string>> = events.map((event) => ({ event_id: event.eventId, channel: event.channel, type: event.type, body: event.body }))
      return Arr.isReadonlyArrayNonEmpty(rows)
        ? sql`INSERT INTO outbox ${sql.insert(rows)}`.pipe(Effect.andThen(sql.afterCommit(signal.wake)))
        : Effect.void
    }
  })
})

/** Outbox and the signal its publisher waits on (build it once per process, with the publisher). */
export const layer: Layer.Layer<Outbox | OutboxSignal, never, SqlClient.SqlClient> = Layer.effect(Outbox, makeOutbox).pipe(
  Layer.provideMerge(OutboxSignal.layer)
)
