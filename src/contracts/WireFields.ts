/**
 * Field schemas shared by the metrics and telemetry contracts. Each carries a message that says
 * what was expected, so a decode error reads `DigitsBatchV1: Expected a finite number >= 0 at ["batch_loss"]`.
 */
import { Schema } from "effect"

const isoTimestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/u

/** ISO-8601 date-time with an explicit offset (`2026-11-23T01:02:03.456Z`); the calendar date must exist. */
export const IsoTimestamp = Schema.String.check(
  Schema.isPattern(isoTimestampPattern, { message: "Expected an ISO-8601 timestamp like 2026-01-31T12:00:00Z" }),
  Schema.makeFilter<string>(
    (text) => isRealDate(text) || "Expected an ISO-8601 timestamp naming a real date and time",
    { toJsonSchema: () => ({ format: "date-time" }) }
  )
)

const isRealDate = (text: string): boolean => {
  const parsed = new Date(text)
  if (Number.isNaN(parsed.getTime())) return false
  // Date rolls 2026-02-30 over to March; compare the written day with the parsed one in the written offset.
  const day = Number(text.slice(8, 10))
  const offsetMinutes = offsetOf(text)
  const shifted = new Date(parsed.getTime() + offsetMinutes * 60_000)
  return shifted.getUTCDate() === day
}

const offsetOf = (text: string): number => {
  if (text.endsWith("Z")) return 0
  const sign = text.at(-6) === "-" ? -1 : 1
  return sign * (Number(text.slice(-5, -3)) * 60 + Number(text.slice(-2)))
}

export const NonEmptyString = Schema.String.check(Schema.isNonEmpty({ message: "Expected a non-empty string" }))

/** A signed 64-bit integer, a bigint in TypeScript (see UserId.ts). */
export { UserId } from "./UserId.js"

export const NonNegativeInt = Schema.Int.check(
  Schema.isGreaterThanOrEqualTo(0, { message: "Expected an integer >= 0" })
)

export const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1, { message: "Expected an integer >= 1" }))

export const NonNegativeNumber = Schema.Finite.check(
  Schema.isGreaterThanOrEqualTo(0, { message: "Expected a finite number >= 0" })
)

export const PositiveNumber = Schema.Finite.check(Schema.isGreaterThan(0, { message: "Expected a finite number > 0" }))

/** Accuracy as a fraction of 1 (0.981), never a percentage. */
export const Fraction = Schema.Finite.check(
  Schema.isBetween({ minimum: 0, maximum: 1 }, { message: "Expected a fraction between 0 and 1" })
)

/** A 1-based counter must not pass its total: `epoch <= total_epochs`, `batch <= total_batches`. */
export const countWithinTotal = <K extends string, T extends string>(count: K, total: T) =>
  Schema.makeFilter<{ readonly [P in K | T]: number }>((event) =>
    event[count] <= event[total] ||
    { path: [count], issue: `Expected ${count} <= ${total} (${event[total]}), got ${event[count]}` }
  )
