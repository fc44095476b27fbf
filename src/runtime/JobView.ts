/**
 * The reusable event consumer behind `watch` and the dashboard: subscribes to domain channels,
 * decodes each message (metrics first, then lifecycle), folds it into a per-job view and hands
 * renderers throttled changes (at most two per second per job). Messages that do not decode are
 * counted (the EventBus `malformedEvents` metric) and shown as problems; they never stop the stream.
 */
import { Clock, Context, Effect, Layer, Metric, PubSub, Ref, Schedule, type Scope, Stream } from "effect"
import { decodeChannelMessage } from "../contracts/ChannelMessage.js"
import type { JobDomain } from "../contracts/JobDomain.js"
import { EventBus, malformedEvents, type RawEvent } from "./EventBus.js"
import type { RedisError } from "../redis/RedisError.js"
import { throttleByKey } from "./view/throttleByKey.js"
import { applyViewInput, changeKey, emptyViewState, type ViewChange, type ViewInput, type ViewState } from "./view/JobViewState.js"

export type { JobMetricsView, JobView as JobViewEntry, JobHistoryItem, JobViewStatus } from "./view/JobViewFold.js"
export type { ViewChange, ViewInput, ViewProblems, ViewState } from "./view/JobViewState.js"

/** At most two renders per second per job. */
export const defaultRenderIntervalMs = 500

export interface JobViewOptions {
  readonly domains: ReadonlyArray<JobDomain>
  /** Replay each domain's event log from this position ("0": everything kept) before going live. */
  readonly from?: string
  readonly intervalMs?: number
}

const toInput = (raw: RawEvent): Effect.Effect<ViewInput> =>
  Effect.gen(function*() {
    const at = yield* Clock.currentTimeMillis
    return yield* decodeChannelMessage(raw.json).pipe(
      Effect.map((message): ViewInput => ({ _tag: "Message", domain: raw.domain, message, at })),
      Effect.catch((error) =>
        Metric.update(malformedEvents, 1).pipe(
          Effect.as<ViewInput>({ _tag: "Undecodable", domain: raw.domain, json: raw.json, reason: error.message, at })
        ))
    )
  })

/** Everything on the domains' channels, decoded or marked undecodable. */
export const viewInputs = (options: JobViewOptions): Stream.Stream<ViewInput, RedisError, EventBus> =>
  Stream.unwrap(Effect.gen(function*() {
    const bus = yield* EventBus
    return Stream.mergeAll(
      options.domains.map((domain) => bus.subscribeRaw(domain, options.from === undefined ? undefined : { from: options.from })),
      { concurrency: "unbounded" }
    ).pipe(Stream.mapEffect(toInput))
  }))

/** Folds inputs into views; every input yields the new state and what changed. */
export const foldViewInputs = <E, R>(
  inputs: Stream.Stream<ViewInput, E, R>
): Stream.Stream<{ readonly state: ViewState; readonly change: ViewChange }, E, R> =>
  inputs.pipe(Stream.mapAccum(() => emptyViewState, (state, input) => {
    const next = applyViewInput(state, input)
    return [next.state, [next]] as const
  }))

/** Changes for a renderer, at most one per job (and one for the problem counters) per interval. */
export const throttledChanges = <E, R>(
  inputs: Stream.Stream<ViewInput, E, R>,
  intervalMs: number = defaultRenderIntervalMs
): Stream.Stream<ViewChange, E, R> =>
  throttleByKey(Stream.map(foldViewInputs(inputs), (step) => step.change), changeKey, intervalMs)

/** The live, throttled view of the given domains. */
export const jobViewChanges = (options: JobViewOptions): Stream.Stream<ViewChange, RedisError, EventBus> =>
  throttledChanges(viewInputs(options), options.intervalMs ?? defaultRenderIntervalMs)

/**
 * One consumer shared by many renderers (the dashboard's SSE clients): keeps the current state
 * for snapshots and broadcasts throttled changes. Reconnects after Redis errors.
 */
export class JobViewHub extends Context.Service<JobViewHub, {
  readonly domains: ReadonlyArray<JobDomain>
  readonly snapshot: Effect.Effect<ViewState>
  /** Subscribes now; the stream carries every throttled change from this point on. */
  readonly subscribe: Effect.Effect<Stream.Stream<ViewChange>, never, Scope.Scope>
}>()("jobs/JobViewHub") {
  static readonly layer = (options: JobViewOptions) => Layer.effect(JobViewHub, Effect.gen(function*() {
    const state = yield* Ref.make(emptyViewState)
    const hub = yield* PubSub.sliding<ViewChange>(4096)
    const tracked = foldViewInputs(viewInputs(options)).pipe(
      Stream.tap((step) => Ref.set(state, step.state)),
      Stream.map((step) => step.change)
    )
    yield* throttleByKey(tracked, changeKey, options.intervalMs ?? defaultRenderIntervalMs).pipe(
      Stream.runForEach((change) => PubSub.publish(hub, change)),
      Effect.tapError((error) => Effect.logWarning(`job view: ${error.message}; reconnecting`)),
      Effect.retry(Schedule.spaced("1 second")),
      Effect.forkScoped
    )
    return JobViewHub.of({
      domains: options.domains,
      snapshot: Ref.get(state),
      subscribe: Effect.map(PubSub.subscribe(hub), (subscription) => Stream.fromSubscription(subscription))
    })
  }))
}
