/** JSON encoding of lifecycle events, as they travel on `{domain}:events`. */
import { Effect, Schema } from "effect"
import { ContractError } from "./ContractError.js"
import { isJobDomain } from "./JobDomain.js"
import { parseJsonObject, readType } from "./JsonObject.js"
import { type EventSuffix, eventSuffixes, type JobEventV1, lifecycleSchemas } from "./LifecycleEvents.js"
import { stringifyWire } from "./WireJson.js"

const schemaNames = {
  started: "JobStartedV1",
  progress: "JobProgressV1",
  completed: "JobCompletedV1",
  failed: "JobFailedV1"
} as const

const lifecycleType = /^([^.]*)\.job\.([a-z]+)\.v1$/

const suffixOf = (type: string): EventSuffix | undefined => {
  const suffix = lifecycleType.exec(type)?.[2]
  return eventSuffixes.find((known) => known === suffix)
}

/** True when `type` has the lifecycle shape `{domain}.job.{suffix}.v1`. */
export const isLifecycleType = (type: string): boolean => suffixOf(type) !== undefined

/** Decodes an already-parsed object as a lifecycle event, choosing the schema by its `type`. */
export const decodeJobEventObject = (record: Readonly<Record<string, unknown>>) =>
  Effect.gen(function*() {
    const type = yield* readType("JobEventV1", record)
    const suffix = suffixOf(type)
    if (suffix === undefined) {
      return yield* new ContractError({
        contract: "JobEventV1",
        message: `JobEventV1: Expected type "{domain}.job.{started|progress|completed|failed}.v1", got "${type}"`
      })
    }
    // Any domain name decodes (domains are open); the template literal alone would only say
    // "matching template literal parts", so the name's rule is spelled out here.
    const domain = type.slice(0, type.indexOf(".job."))
    if (!isJobDomain(domain)) {
      return yield* new ContractError({
        contract: schemaNames[suffix],
        message: `${schemaNames[suffix]}: Expected a domain name (a lower-case letter, then up to 31 lower-case letters, digits or _), got "${domain}" at ["type"]`
      })
    }
    const schema: Schema.Codec<JobEventV1> = lifecycleSchemas[suffix]
    return yield* Schema.decodeUnknownEffect(schema)(record).pipe(
      Effect.mapError((error) => ContractError.fromSchemaError(schemaNames[suffix], error))
    )
  })

/** Decodes one channel message (a JSON text) into a lifecycle event, with a readable error naming the field. */
export const decodeJobEvent = (json: string): Effect.Effect<JobEventV1, ContractError> =>
  parseJsonObject("JobEventV1", json).pipe(Effect.flatMap(decodeJobEventObject))

/** Encodes a lifecycle event to its wire JSON (validating it on the way out). */
export const encodeJobEvent = (event: JobEventV1): Effect.Effect<string, ContractError> => {
  const suffix = suffixOf(event.type)
  if (suffix === undefined) {
    return Effect.fail(new ContractError({ contract: "JobEventV1", message: `JobEventV1: unknown type "${event.type}"` }))
  }
  const schema: Schema.Codec<JobEventV1> = lifecycleSchemas[suffix]
  return Schema.encodeUnknownEffect(schema)(event).pipe(
    // Lifecycle events have no float field; the writer is for the user_id bigint.
    Effect.map((encoded) => stringifyWire(encoded)),
    Effect.mapError((error) => ContractError.fromSchemaError(schemaNames[suffix], error))
  )
}
