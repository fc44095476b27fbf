/**
 * Field schemas the job and task types share, and the strict decode every service input goes through
 * (unknown fields are refused: a typo like `priorty` must not be silently dropped).
 */
import { Effect, Schema } from "effect"
import { validationFromSchemaError, type Validation } from "./errors.js"

/** Ids are UUIDs the database makes (any version, so v4 and v7 both pass). */
export const EntityId = Schema.String.check(Schema.isUUID(undefined, { message: "Expected a UUID" })).annotate({
  identifier: "EntityId"
})
export type EntityId = typeof EntityId.Type

/**
 * Priority (seed 003's open question): three named levels, `low | medium | high`, default `medium`.
 * Why not a custom numeric scale: people pick among names consistently, while "7" means something
 * different to each user and sorts into noise. Stored as a smallint (`priorityRank`: 1, 2, 3) so SQL
 * orders by it, and a level can later be added between two without rewriting rows.
 */
export const priorities = ["low", "medium", "high"] as const
export const Priority = Schema.Literals(priorities).annotate({ identifier: "Priority" })
export type Priority = typeof Priority.Type
export const defaultPriority: Priority = "medium"

const rank: Readonly<Record<Priority, number>> = { low: 1, medium: 2, high: 3 }
export const priorityRank = (priority: Priority): number => rank[priority]
export const priorityOfRank = (value: number): Priority | undefined => priorities.find((p) => rank[p] === value)

/** A point in time; JSON carries it as an ISO-8601 string. */
export const Timestamp = Schema.DateTimeUtcFromString
export type Timestamp = typeof Timestamp.Type

export const Title = Schema.String.check(
  Schema.isTrimmed({ message: "Expected no leading or trailing spaces" }),
  Schema.isMinLength(1, { message: "Expected a non-empty string" }),
  Schema.isMaxLength(200, { message: "Expected at most 200 characters" })
)

export const Description = Schema.String.check(Schema.isMaxLength(10_000, { message: "Expected at most 10000 characters" }))

export const maxPageSize = 200
export const defaultPageSize = 50
export const PageSize = Schema.Int.check(
  Schema.isBetween({ minimum: 1, maximum: maxPageSize }, { message: `Expected an integer from 1 to ${maxPageSize}` })
)

/** The options every input decode uses: unknown fields are an error; the first issue is reported. */
export const strict = { onExcessProperty: "error", errors: "first" } as const

/** A strict decoder whose failure is a Validation naming the field. */
export const decodeStrict = <S extends Schema.Decoder<unknown>>(schema: S) => {
  const decode = Schema.decodeUnknownEffect(schema, strict)
  return (input: unknown): Effect.Effect<S["Type"], Validation, S["DecodingServices"]> =>
    decode(input).pipe(Effect.mapError(validationFromSchemaError))
}
