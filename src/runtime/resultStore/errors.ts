/** Errors of the result store; each carries the fields a caller needs and a readable message. */
import { Schema } from "effect"

export class InvalidResultId extends Schema.TaggedError<InvalidResultId>()("InvalidResultId", {
  id: Schema.String,
  message: Schema.String
}) {}

export class ResultNotFound extends Schema.TaggedError<ResultNotFound>()("ResultNotFound", {
  id: Schema.String,
  message: Schema.String
}) {
  static of(id: string): ResultNotFound {
    return new ResultNotFound({ id, message: `Result ${id} not found` })
  }
}

/**
 * An object passed the store's size limit. `actual` is the number of bytes seen when the write was
 * aborted, so for a stream it is a lower bound of the full size.
 */
export class ResultTooLarge extends Schema.TaggedError<ResultTooLarge>()("ResultTooLarge", {
  limit: Schema.Number,
  actual: Schema.Number,
  message: Schema.String
}) {
  static of(limit: number, actual: number): ResultTooLarge {
    return new ResultTooLarge({
      limit,
      actual,
      message: `Result too large: at least ${actual} bytes, the limit is ${limit} bytes`
    })
  }
}

/** The backend failed (disk full, permissions, ...): `op` names the store operation, `path` the object. */
export class ResultStoreError extends Schema.TaggedError<ResultStoreError>()("ResultStoreError", {
  op: Schema.String,
  path: Schema.String,
  message: Schema.String,
  cause: Schema.Defect()
}) {
  static of(op: string, path: string, cause: unknown): ResultStoreError {
    const reason = cause instanceof Error ? cause.message : String(cause)
    return new ResultStoreError({ op, path, cause, message: `Result store ${op} failed at ${path}: ${reason}` })
  }
}

/**
 * What is stored under `id` is not that object: a link (`link`), no regular file (`not-a-file`),
 * or bytes that do not hash to the id (`hash-mismatch`). The entry was moved to `quarantinedAt`
 * (under the store's `quarantine/`), so the next read of the id finds nothing instead of it.
 */
export class ResultCorrupt extends Schema.TaggedError<ResultCorrupt>()("ResultCorrupt", {
  id: Schema.String,
  reason: Schema.Literals(["link", "not-a-file", "hash-mismatch"]),
  quarantinedAt: Schema.String,
  message: Schema.String
}) {
  static of(id: string, reason: ResultCorrupt["reason"], detail: string, quarantinedAt: string): ResultCorrupt {
    const where = quarantinedAt === "" ? "it could not be moved aside" : `moved to ${quarantinedAt}`
    return new ResultCorrupt({
      id,
      reason,
      quarantinedAt,
      message: `Result ${id} is refused: ${detail}; ${where}`
    })
  }
}
