/**
 * One message on `{domain}:events`: a metrics event (`digits.metrics.*`, `digits.train.*`, `trainer.metrics.*`)
 * or a lifecycle event (`{domain}.job.*.v1`). Per seed 000's publishing standard, metrics are tried first and
 * lifecycle after; the JSON is parsed once.
 */
import { Effect } from "effect"
import { ContractError } from "./ContractError.js"
import { decodeDigitsMetricsObject, type DigitsMetricsEvent, isDigitsMetricsType } from "./DigitsMetrics.js"
import { decodeDigitsTrainObject, type DigitsTrainEvent, isDigitsTrainType } from "./DigitsTrainEvents.js"
import { parseJsonObject, readType } from "./JsonObject.js"
import { decodeJobEventObject } from "./LifecycleCodec.js"
import type { JobEventV1 } from "./LifecycleEvents.js"
import { decodeTrainerMetricsObject, isTrainerMetricsType, type TrainerMetricsEvent } from "./TrainerMetrics.js"

export type MetricsEvent = DigitsMetricsEvent | DigitsTrainEvent | TrainerMetricsEvent

export type ChannelMessage =
  | { readonly _tag: "Metrics"; readonly event: MetricsEvent }
  | { readonly _tag: "Lifecycle"; readonly event: JobEventV1 }

const metricsFamilies = ["digits.metrics.", "digits.train.", "trainer.metrics."] as const

export const isMetricsType = (type: string): boolean =>
  isDigitsMetricsType(type) || isDigitsTrainType(type) || isTrainerMetricsType(type)

const asMetrics = (event: MetricsEvent): ChannelMessage => ({ _tag: "Metrics", event })
const asLifecycle = (event: JobEventV1): ChannelMessage => ({ _tag: "Lifecycle", event })

/** Decodes an already-parsed object, choosing the family by its `type`. */
export const decodeChannelObject = (
  record: Readonly<Record<string, unknown>>
): Effect.Effect<ChannelMessage, ContractError> =>
  Effect.gen(function*() {
    const type = yield* readType("ChannelMessage", record)
    // A type inside a family goes to that family's decoder even when unknown there, so the error lists
    // the family's types.
    if (type.startsWith("digits.metrics.")) return asMetrics(yield* decodeDigitsMetricsObject(record))
    if (type.startsWith("digits.train.")) return asMetrics(yield* decodeDigitsTrainObject(record))
    if (type.startsWith("trainer.metrics.")) return asMetrics(yield* decodeTrainerMetricsObject(record))
    if (type.includes(".job.")) return asLifecycle(yield* decodeJobEventObject(record))
    return yield* new ContractError({
      contract: "ChannelMessage",
      message: `ChannelMessage: Unknown event type "${type}", expected a lifecycle type ` +
        `"{domain}.job.{started|progress|completed|failed}.v1" or a metrics type (${metricsFamilies.map((f) => `${f}*`).join(", ")})`
    })
  })

/** Decodes one message (a JSON text) from `{domain}:events`. */
export const decodeChannelMessage = (json: string): Effect.Effect<ChannelMessage, ContractError> =>
  parseJsonObject("ChannelMessage", json).pipe(Effect.flatMap(decodeChannelObject))
