/**
 * A bounded, batching, retrying buffer between an emitter and a slow or absent destination (the HTTP
 * endpoint, PostgreSQL). `offer` is synchronous and never waits: a job emitting telemetry is never
 * held by the destination. The buffer holds at most `capacity` items INCLUDING the batch being sent
 * (the batch leaves the buffer only once delivered), so memory stays bounded however long the
 * destination is down; an item offered to a full buffer is dropped and counted in
 * `telemetry_events_dropped_total{emitter}` (exported on /metrics with every other metric).
 *
 * One supervised fiber sends batches of up to `batchSize` items of one group (a domain), waiting up to
 * `lingerMs` for a batch to fill, and retries a failed batch with exponential backoff (capped) for as
 * long as the failure is retryable; a batch the destination refuses for good is logged, counted as
 * dropped and discarded. On close it makes one last attempt per batch, within `flushTimeoutMs`.
 */
import { Duration, Effect, Metric, Queue, Schedule, type Scope } from "effect"
import { makeSupervisor, restartBackoff } from "../runtime/Supervised.js"

export const telemetryDropped = Metric.counter("telemetry_events_dropped_total", {
  description: "Telemetry events an emitter dropped: its bounded buffer was full, or the destination refused them for good"
})

export interface DeliveryFailure {
  readonly retryable: boolean
  readonly message: string
}

/** How a buffered emitter holds, batches and retries its events. */
export interface BufferSettings {
  readonly capacity: number
  readonly batchSize: number
  readonly lingerMs: number
  readonly backoffBaseMs: number
  readonly backoffCapMs: number
  readonly flushTimeoutMs: number
}

export interface BufferedSinkOptions<A> extends BufferSettings {
  /** The emitter's name, the `emitter` attribute of the metrics. */
  readonly emitter: string
  readonly deliver: (group: string, batch: ReadonlyArray<A>) => Effect.Effect<void, DeliveryFailure>
}

export interface BufferedSink<A> {
  /** Buffers the item; false when the buffer was full and it was dropped. */
  readonly offer: (group: string, item: A) => boolean
  /** Items held now (at most `capacity`). */
  readonly size: () => number
  /** Items this sink dropped since it started. */
  readonly dropped: () => number
}

interface Held<A> {
  readonly group: string
  readonly item: A
}

export const makeBufferedSink = <A>(options: BufferedSinkOptions<A>): Effect.Effect<BufferedSink<A>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const held: Array<Held<A>> = []
    let dropped = 0
    const counter = Metric.withAttributes(telemetryDropped, { emitter: options.emitter })
    yield* Metric.update(counter, 0)
    // offer is synchronous (a job never waits on it), so the counter is updated with the captured context.
    const context = yield* Effect.context<never>()
    const wake = yield* Queue.sliding<void>(1)

    const drop = (n: number) => {
      dropped += n
      counter.updateUnsafe(n, context)
    }

    const offer = (group: string, item: A): boolean => {
      if (held.length >= options.capacity) {
        drop(1)
        return false
      }
      held.push({ group, item })
      Queue.offerUnsafe(wake, undefined)
      return true
    }

    /** The leading items of the first item's group, up to batchSize. */
    const nextBatch = () => {
      const group = held[0]?.group ?? ""
      let n = 0
      while (n < held.length && n < options.batchSize && held[n]?.group === group) n++
      return { group, items: held.slice(0, n).map((entry) => entry.item) }
    }

    const retryPolicy = restartBackoff({
      backoffBaseMs: options.backoffBaseMs, backoffCapMs: options.backoffCapMs,
      healthyAfterMs: 0, unreadyAfterFailures: 0, unreadyAfterMs: 0
    }).pipe(Schedule.setInputType<DeliveryFailure>(), Schedule.while(({ input }) => input.retryable))

    const sendOne = Effect.gen(function*() {
      const { group, items } = nextBatch()
      const outcome = yield* options.deliver(group, items).pipe(
        Effect.tapError((failure) => Effect.logWarning(`telemetry delivery failed (${items.length} events held): ${failure.message}`)),
        Effect.retry(retryPolicy),
        Effect.result
      )
      held.splice(0, items.length)
      if (outcome._tag === "Failure") {
        drop(items.length)
        yield* Effect.logError(`telemetry batch of ${items.length} refused for good, dropped: ${outcome.failure.message}`)
      }
    })

    const round = Effect.gen(function*() {
      if (held.length === 0) yield* Queue.take(wake)
      if (held.length < options.batchSize && options.lingerMs > 0) yield* Effect.sleep(Duration.millis(options.lingerMs))
      while (held.length > 0) yield* sendOne
    })

    /** Registered before the loop is forked, so it runs after the loop was interrupted. */
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        while (held.length > 0) {
          const { group, items } = nextBatch()
          yield* options.deliver(group, items).pipe(Effect.ignore)
          held.splice(0, items.length)
        }
      }).pipe(Effect.timeout(Duration.millis(options.flushTimeoutMs)), Effect.ignore)
    )
    const supervisor = yield* makeSupervisor({})
    yield* supervisor.run(`telemetry-${options.emitter}`, round.pipe(Effect.annotateLogs({ module: "TelemetryEmitter", emitter: options.emitter })))
    return { offer, size: () => held.length, dropped: () => dropped }
  })
