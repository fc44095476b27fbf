/** Errors of the databank domain, and which of them are the submitter's to fix. */
import { Schema } from "effect"
import type { ErrorKind } from "../../contracts/JobDomain.js"
import type {
  InvalidResultId,
  ResultCorrupt,
  ResultNotFound,
  ResultStoreError,
  ResultTooLarge
} from "../../runtime/ResultStore.js"

/** The job payload did not decode; `message` names the field. */
export class DatabankPayloadError extends Schema.TaggedError<DatabankPayloadError>()("DatabankPayloadError", {
  message: Schema.String
}) {}

/**
 * The bytes were not as long as declared. `actual` is the count when the transfer stopped: for a
 * transfer stopped early because it ran past `expected`, a lower bound.
 */
export class DatabankSizeMismatch extends Schema.TaggedError<DatabankSizeMismatch>()("DatabankSizeMismatch", {
  expected: Schema.Number,
  actual: Schema.Number,
  message: Schema.String
}) {
  static of(expected: number, actual: number, stoppedEarly: boolean): DatabankSizeMismatch {
    const got = stoppedEarly ? `at least ${actual}` : `${actual}`
    return new DatabankSizeMismatch({
      expected,
      actual,
      message: `Size mismatch: expected ${expected} bytes, got ${got} bytes`
    })
  }
}

/** The bytes' sha256 differs from the declared one. */
export class DatabankDigestMismatch extends Schema.TaggedError<DatabankDigestMismatch>()("DatabankDigestMismatch", {
  expected: Schema.String,
  actual: Schema.String,
  message: Schema.String
}) {
  static of(expected: string, actual: string): DatabankDigestMismatch {
    return new DatabankDigestMismatch({
      expected,
      actual,
      message: `sha256 mismatch: expected ${expected}, got ${actual}`
    })
  }
}

export type DatabankError =
  | DatabankPayloadError
  | DatabankSizeMismatch
  | DatabankDigestMismatch
  | InvalidResultId
  | ResultCorrupt
  | ResultNotFound
  | ResultTooLarge
  | ResultStoreError

/** Everything but a failing store is caused by the request itself, so retrying cannot help. */
export const databankErrorKind = (error: DatabankError): ErrorKind =>
  error._tag === "ResultStoreError" ? "system" : "user"
