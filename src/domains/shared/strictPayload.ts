/**
 * Job payload schemas that reject unknown fields and unknown enumerated values on their own,
 * whatever parse options the caller uses: the worker and the CLI decode with default options,
 * which would silently drop unknown fields. The registry runs these before enqueue, so a refusal
 * here is a refusal at enqueue, naming the field.
 */
import { Schema } from "effect"

type AllowedKeys = ReadonlyArray<string> | ((input: { readonly [key: string]: unknown }) => ReadonlyArray<string>)

/** `schema` behind a check that the input is an object with no fields beyond `allowed`. */
export const rejectUnknownFields = <S extends Schema.Top>(schema: S, allowed: AllowedKeys) =>
  Schema.Record(Schema.String, Schema.Unknown).check(
    Schema.makeFilter((input) => {
      const keys = typeof allowed === "function" ? allowed(input) : allowed
      const unknown = Object.keys(input).filter((key) => !keys.includes(key))
      return unknown.length === 0 ||
        `unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} (expected: ${keys.join(", ")})`
    })
  ).pipe(Schema.decodeTo(schema))

/**
 * A string field that takes one of `values`. Schema.Literals would refuse the same inputs, but its
 * message lists the choices without the value given; this one says both, in the same words as an
 * unknown field: `unknown image format "jpg" (known: png, svg)`, and the path names the field.
 */
export const oneOf = <const L extends ReadonlyArray<string>>(values: L, what: string) => {
  const known: ReadonlySet<string> = new Set(values)
  const isKnown = (value: string): value is L[number] => known.has(value)
  return Schema.String.check(
    // abort: with `errors: "all"` the refinement below would add an anonymous `Expected <filter>` for the same value
    Schema.makeFilter(
      (value: string) => isKnown(value) || `unknown ${what} ${JSON.stringify(value)} (known: ${values.join(", ")})`,
      undefined,
      true
    )
  ).pipe(Schema.refine(isKnown))
}

/** A struct-level check that exactly one of the `sources` fields is present. */
export const exactlyOneOf = <T extends object>(sources: ReadonlyArray<keyof T & string>) =>
  Schema.makeFilter((value: T) =>
    sources.filter((key) => value[key] !== undefined).length === 1 ||
    `give exactly one of ${sources.map((k) => `"${k}"`).join(", ")}`
  )
