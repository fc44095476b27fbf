/**
 * What every text-in, report-out domain job does around its logic: read an input from the result
 * store by id, store outputs, and turn domain and store errors into the runtime's job errors.
 */
import { Effect, Schema } from "effect"
import { JobSystemError, JobUserError } from "../../runtime/JobErrors.js"
import { ResultStore, sha256HexPattern, type StoredResult } from "../../runtime/ResultStore.js"

/** A payload field naming an object already in the result store. */
export const InputId = Schema.String.check(
  Schema.isPattern(sha256HexPattern, { message: "Expected an input id: a result store id of 64 lowercase hex characters" })
)

/** The shape every domain error shares: a readable message and a stable code; all are the user's to fix. */
export interface DomainError {
  readonly message: string
  readonly code: string
}

export const userError = (error: DomainError): JobUserError => new JobUserError({ message: error.message, code: error.code })

/**
 * Reads input `id` from the store and decodes it with the domain's byte decoder (UTF-8, size).
 * Objects above `maxBytes` are refused from their size alone, before any byte is read.
 */
export const readInputText = <E extends DomainError>(
  id: string,
  maxBytes: number,
  decode: (bytes: Uint8Array) => Effect.Effect<string, E>
): Effect.Effect<string, JobUserError | JobSystemError, ResultStore> =>
  Effect.gen(function*() {
    const store = yield* ResultStore
    const stat = yield* store.stat(id)
    if (stat.bytes > maxBytes) {
      return yield* new JobUserError({
        message: `input ${id} is ${stat.bytes} bytes, the limit is ${maxBytes} bytes`,
        code: "OVERSIZE_INPUT"
      })
    }
    const bytes = yield* store.get(id)
    return yield* decode(bytes).pipe(Effect.mapError(userError))
  }).pipe(
    Effect.catchTags({
      ResultNotFound: () =>
        Effect.fail(new JobUserError({ message: `input ${id} is not in the result store`, code: "INPUT_NOT_FOUND" })),
      InvalidResultId: (error) => Effect.fail(new JobUserError({ message: error.message, code: "INVALID_INPUT_ID" })),
      // What the store holds under the id is not that input (a link, or other bytes): it was quarantined.
      ResultCorrupt: (error) =>
        Effect.fail(new JobUserError({ message: `input ${id} is not usable: ${error.message}`, code: "INPUT_CORRUPT" })),
      ResultStoreError: (error) => Effect.fail(new JobSystemError({ message: `reading input ${id} failed: ${error.message}` }))
    })
  )

/** Stores one output; a result above the store's limit is the input's doing, a failing store is not. */
export const storeOutput = (
  what: string,
  bytes: Uint8Array
): Effect.Effect<StoredResult, JobUserError | JobSystemError, ResultStore> =>
  Effect.gen(function*() {
    const store = yield* ResultStore
    return yield* store.put(bytes)
  }).pipe(
    Effect.catchTags({
      ResultTooLarge: (error) =>
        Effect.fail(new JobUserError({ message: `the ${what} is too large to store: ${error.message}`, code: "RESULT_TOO_LARGE" })),
      ResultStoreError: (error) => Effect.fail(new JobSystemError({ message: `storing the ${what} failed: ${error.message}` }))
    })
  )

export const jsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
