/**
 * Job payload schemas that reject unknown fields on their own, whatever parse options the caller
 * uses: the worker and the CLI decode with default options, which would silently drop them.
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

/** A struct-level check that exactly one of the `sources` fields is present. */
export const exactlyOneOf = <T extends object>(sources: ReadonlyArray<keyof T & string>) =>
  Schema.makeFilter((value: T) =>
    sources.filter((key) => value[key] !== undefined).length === 1 ||
    `give exactly one of ${sources.map((k) => `"${k}"`).join(", ")}`
  )
