/**
 * The API's JSON on the wire, read and written here instead of by HttpApi's codec (see ./Api.ts):
 * - request bodies: at most `maxBodyBytes` (413 past it, by Content-Length first), JSON (400 otherwise),
 *   with `user_id` / `assignee_user_id` read from their digits, so every signed 64-bit id arrives exact;
 *   then decoded strictly (`decodeStrict`: unknown fields are a 400 naming the field);
 * - responses: the schema's encoded value through `stringifyWire`, so bigints go out as JSON integers;
 * - errors: `httpStatusOf(error)` with `errorBody(error)` (src/services/errors.ts).
 */
import { Effect, Schema } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { stringifyWire, topLevelValueText } from "../../contracts/WireJson.js"
import { errorBody, httpStatusOf, type ServiceError, validation, type Validation } from "../../services/errors.js"
import { decodeStrict } from "../../services/fields.js"

/** Bodies carry a job's payload: the runtime's 1 MiB payload limit plus room for the other fields. */
export const defaultMaxBodyBytes = 1024 * 1024 + 4096

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  limit: Schema.Number,
  message: Schema.String
}) {}

export type ApiError = ServiceError | PayloadTooLarge

/** Top-level fields holding user ids: read exactly from their digits (see src/contracts/WireJson.ts). */
const userIdFields = ["user_id", "assignee_user_id"] as const
const integerLiteral = /^-?(?:0|[1-9]\d*)$/

/** JSON.parse, with the user id fields of a top-level object as exact bigints; throws as JSON.parse does. */
export const parseApiJson = (text: string): unknown => {
  const value: unknown = JSON.parse(text)
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value
  const exact: Record<string, unknown> = { ...value }
  for (const field of userIdFields) {
    if (typeof exact[field] !== "number") continue
    const digits = topLevelValueText(text, field)
    if (digits !== undefined && integerLiteral.test(digits)) exact[field] = BigInt(digits)
  }
  return exact
}

const tooLarge = (limit: number) => new PayloadTooLarge({ limit, message: `request body is over the ${limit}-byte limit` })

/** The body's JSON value; an empty body is `{}` (actions whose fields are all optional may send none). */
export const readJson = (request: HttpServerRequest.HttpServerRequest, maxBodyBytes: number) =>
  Effect.gen(function*() {
    const declared = Number(request.headers["content-length"] ?? "0")
    if (declared > maxBodyBytes) return yield* Effect.fail(tooLarge(maxBodyBytes))
    const text = yield* request.text.pipe(Effect.mapError(() => validation("body", "request body could not be read")))
    if (Buffer.byteLength(text) > maxBodyBytes) return yield* Effect.fail(tooLarge(maxBodyBytes))
    if (text.trim().length === 0) return {}
    try {
      return parseApiJson(text)
    } catch {
      return yield* Effect.fail(validation("body", "Expected a JSON body"))
    }
  })

/** Reads and strictly decodes a body. */
export const readBody = <S extends Schema.Decoder<unknown>>(schema: S) => {
  const decode = decodeStrict(schema)
  return (request: HttpServerRequest.HttpServerRequest, maxBodyBytes: number): Effect.Effect<S["Type"], Validation | PayloadTooLarge, S["DecodingServices"]> =>
    Effect.flatMap(readJson(request, maxBodyBytes), decode)
}

export const wireResponse = (body: unknown, status = 200) =>
  HttpServerResponse.text(stringifyWire(body), { status, contentType: "application/json" })

/** The error response of any API error. */
export const errorResponse = (error: ApiError) =>
  error._tag === "PayloadTooLarge"
    ? wireResponse({ code: "PAYLOAD_TOO_LARGE", message: error.message }, 413)
    : wireResponse(errorBody(error), httpStatusOf(error))

/** Encodes a service's value with its schema (bigints stay bigints, times become ISO strings) and answers it. */
export const respondWith = <S extends Schema.Encoder<unknown>>(schema: S, status = 200) => {
  const encode = Schema.encodeEffect(schema)
  return <E extends ApiError, R>(effect: Effect.Effect<S["Type"], E, R>) =>
    effect.pipe(
      Effect.flatMap((value) => Effect.orDie(encode(value))),
      Effect.map((encoded) => wireResponse(encoded, status)),
      Effect.catch((error: E) => Effect.succeed(errorResponse(error)))
    )
}

export const respondNoContent = <E extends ApiError, R>(effect: Effect.Effect<void, E, R>) =>
  effect.pipe(
    Effect.as(HttpServerResponse.empty({ status: 204 })),
    Effect.catch((error: E) => Effect.succeed(errorResponse(error)))
  )
