/**
 * JSON Schema (draft 2020-12) files for every event contract, for consumers outside TypeScript (seed 004,
 * `schemas/events/`). A pure function: the generator script writes its output and a test compares it with
 * the committed files. The job and task services' bus events are pure schemas too
 * (src/services/{jobs,tasks}/events.ts), named `bus.{type}.json`: `job.started.v1.json` is the runtime's. Lifecycle files are named by suffix (`job.started.v1.json`) since one schema serves
 * every domain; metrics by their `type`; telemetry as `telemetry.{event_type}.v1.json`.
 * The Effect schemas stay the authority: cross-field checks (epoch <= total_epochs, partition_key agreeing
 * with its parts, type agreeing with domain) are not expressible here and only the decoders enforce them.
 */
import { JsonSchema, Schema } from "effect"
import { digitsMetricsContracts } from "./DigitsMetrics.js"
import { digitsTrainContracts } from "./DigitsTrainEvents.js"
import type { EventContract } from "./EventContract.js"
import { eventSuffixes, lifecycleSchemas } from "./LifecycleEvents.js"
import { telemetryContracts } from "./Telemetry.js"
import { trainerMetricsContracts } from "./TrainerMetrics.js"
import { jobBusContracts } from "../services/jobs/events.js"
import { taskBusContracts } from "../services/tasks/events.js"

export interface SchemaFile {
  readonly fileName: string
  readonly schema: Schema.Codec<unknown>
}

export interface GeneratedFile {
  readonly fileName: string
  readonly content: string
}

const byType = <A>(contracts: ReadonlyArray<EventContract<A>>, name: (type: string) => string): Array<SchemaFile> =>
  contracts.map((contract) => ({ fileName: `${name(contract.type)}.json`, schema: contract.schema }))

/** Metrics types already end in their version. */
const asIs = (type: string) => type
/** Telemetry carries its version in a field, so the file name adds it. */
const telemetryName = (eventType: string) => `telemetry.${eventType}.v1`
/** Bus events (`jobs:bus`, `tasks:bus`) already end in their version. */
const busName = (type: string) => `bus.${type}`

/** Every event schema that gets a file. */
export const eventSchemaFiles: ReadonlyArray<SchemaFile> = [
  ...eventSuffixes.map((suffix) => ({ fileName: `job.${suffix}.v1.json`, schema: lifecycleSchemas[suffix] })),
  ...byType(digitsMetricsContracts, asIs),
  ...byType(digitsTrainContracts, asIs),
  ...byType(trainerMetricsContracts, asIs),
  ...byType(telemetryContracts, telemetryName),
  ...byType(jobBusContracts, busName),
  ...byType(taskBusContracts, busName)
]

/** Lifts the root definition out of `$defs` when nothing else refers to it, so the file reads top-down. */
const inlineRoot = (document: JsonSchema.Document<"draft-2020-12">): JsonSchema.JsonSchema => {
  const ref = document.schema["$ref"]
  const name = typeof ref === "string" && ref.startsWith("#/$defs/") ? ref.slice("#/$defs/".length) : undefined
  const root = name === undefined ? undefined : document.definitions[name]
  if (name === undefined || root === undefined) return withDefs(document.schema, document.definitions)
  const rest: Record<string, JsonSchema.JsonSchema> = {}
  for (const [key, definition] of Object.entries(document.definitions)) if (key !== name) rest[key] = definition
  if (JSON.stringify([root, rest]).includes(`"${ref}"`)) return withDefs(document.schema, document.definitions)
  return withDefs({ title: name, ...root }, rest)
}

const withDefs = (schema: JsonSchema.JsonSchema, defs: JsonSchema.Definitions): JsonSchema.JsonSchema =>
  Object.keys(defs).length === 0 ? schema : { ...schema, $defs: defs }

/**
 * `user_id` is a bigint in TypeScript, which the generator describes by its string codec; on the
 * wire it is a JSON integer of the signed 64-bit range (bounds in words: a JSON number this large
 * would be rounded by many readers).
 */
const integerUserId = (schema: JsonSchema.JsonSchema): JsonSchema.JsonSchema => {
  const properties = schema["properties"]
  if (typeof properties !== "object" || properties === null) return schema
  // Bus events also carry `actor_user_id` and `assignee_user_id`: every `*user_id` field is one.
  const ids = Object.keys(properties).filter((key) => key.endsWith("user_id"))
  if (ids.length === 0) return schema
  const integer = { type: "integer", description: "signed 64-bit integer, -9223372036854775808..9223372036854775807" }
  return { ...schema, properties: { ...properties, ...Object.fromEntries(ids.map((key) => [key, integer])) } }
}

/** Pretty-printed with a trailing newline; key order is the schema's own (wire field order), so it is stable. */
export const renderJsonSchema = (schema: Schema.Codec<unknown>): string => {
  const body = integerUserId(inlineRoot(Schema.toJsonSchemaDocument(schema)))
  return `${JSON.stringify({ $schema: JsonSchema.META_SCHEMA_URI_DRAFT_2020_12, ...body }, null, 2)}\n`
}

/** The full, sorted set of files for `schemas/events/`. */
export const generateJsonSchemaFiles = (): ReadonlyArray<GeneratedFile> =>
  eventSchemaFiles
    .map((file) => ({ fileName: file.fileName, content: renderJsonSchema(file.schema) }))
    .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0))
