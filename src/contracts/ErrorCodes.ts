/**
 * Model-trainer error codes (seed 002 phase 9) and how each maps to an HTTP status and to the runtime's
 * `error_kind`. The tables are `Record`s over the literal union, so adding a code without a mapping does
 * not compile.
 */
import { Schema } from "effect"
import type { ErrorKind } from "./JobDomain.js"

export const modelTrainerErrorCodes = [
  "INVALID_CONFIG",
  "CORPUS_EMPTY",
  "CORPUS_TOO_LARGE",
  "CORPUS_UNAVAILABLE",
  "DIVERGED",
  "MODEL_NOT_FOUND",
  "CANCELLED",
  "TIMEOUT",
  "UNAVAILABLE",
  "INTERNAL"
] as const

export const ModelTrainerErrorCode = Schema.Literals(modelTrainerErrorCodes).annotate({
  identifier: "ModelTrainerErrorCode",
  message: `Expected a model-trainer error code: one of ${modelTrainerErrorCodes.join(", ")}`
})
export type ModelTrainerErrorCode = typeof ModelTrainerErrorCode.Type

interface CodeMapping {
  readonly status: number
  readonly kind: ErrorKind
}

/**
 * Why each row: the user can fix INVALID_CONFIG, corpus problems, DIVERGED (lower the learning rate) and a
 * wrong model id, and chose to CANCEL; an unreadable bundled corpus, TIMEOUT, UNAVAILABLE and INTERNAL
 * are ours to fix or retry.
 */
const mapping: Readonly<Record<ModelTrainerErrorCode, CodeMapping>> = {
  INVALID_CONFIG: { status: 400, kind: "user" },
  CORPUS_EMPTY: { status: 422, kind: "user" },
  CORPUS_TOO_LARGE: { status: 413, kind: "user" },
  CORPUS_UNAVAILABLE: { status: 500, kind: "system" },
  DIVERGED: { status: 422, kind: "user" },
  MODEL_NOT_FOUND: { status: 404, kind: "user" },
  CANCELLED: { status: 409, kind: "user" },
  TIMEOUT: { status: 504, kind: "system" },
  UNAVAILABLE: { status: 503, kind: "system" },
  INTERNAL: { status: 500, kind: "system" }
}

export const httpStatusOf = (code: ModelTrainerErrorCode): number => mapping[code].status

export const errorKindOf = (code: ModelTrainerErrorCode): ErrorKind => mapping[code].kind

/** A model-trainer failure with its code; `httpStatus` and `errorKind` follow from the code. */
export class ModelTrainerError extends Schema.TaggedError<ModelTrainerError>()("ModelTrainerError", {
  code: ModelTrainerErrorCode,
  message: Schema.String
}) {
  get httpStatus(): number {
    return httpStatusOf(this.code)
  }
  get errorKind(): ErrorKind {
    return errorKindOf(this.code)
  }
}

/** Generic mapping for any domain's failure that only knows the runtime's `error_kind`. */
const kindStatus: Readonly<Record<ErrorKind, number>> = { user: 400, system: 500 }

export const httpStatusOfErrorKind = (kind: ErrorKind): number => kindStatus[kind]

/** The reverse direction, for failures reported by HTTP services: 4xx is the caller's, anything else ours. */
export const errorKindOfHttpStatus = (status: number): ErrorKind =>
  Number.isInteger(status) && status >= 400 && status < 500 ? "user" : "system"
