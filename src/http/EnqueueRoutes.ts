/**
 * `POST /api/jobs/:domain`: enqueue by domain name over HTTP, for producers that are not
 * TypeScript. The body is `{ user_id, payload, job_id?, delay_ms?, run_at?, max_attempts?,
 * backoff_ms?, retry_on?, correlation_id? }` (snake_case like the rest of the wire); `correlation_id` names the
 * job's correlation in its telemetry (generated when absent); `user_id` is read from its
 * digits, so every signed 64-bit id arrives exact. The payload is checked by the domain's schema
 * when this server knows the domain's job (the Producer's), and the token gate in front of every
 * `/api` route applies. 201 with `{ job_id, added: true }`, 200 with `added: false` when the id
 * existed, 400 naming the field, 413 over the size limit, 503 when Redis fails.
 */
import { Effect, Layer, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { ErrorKind, isJobDomain } from "../contracts/JobDomain.js"
import { parseIsoDateTime } from "../contracts/Timestamps.js"
import { UserId } from "../contracts/UserId.js"
import { parseWireJson } from "../contracts/WireJson.js"
import { Producer } from "../runtime/Producer.js"
import { RuntimeConfig } from "../runtime/RuntimeConfig.js"

const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

const EnqueueBody = Schema.Struct({
  user_id: UserId,
  payload: Schema.Unknown,
  job_id: Schema.optionalKey(Schema.String),
  delay_ms: Schema.optionalKey(NonNegativeInt),
  run_at: Schema.optionalKey(Schema.String),
  max_attempts: Schema.optionalKey(Schema.Int),
  backoff_ms: Schema.optionalKey(NonNegativeInt),
  retry_on: Schema.optionalKey(Schema.Array(ErrorKind)),
  correlation_id: Schema.optionalKey(Schema.String)
})
type EnqueueBody = typeof EnqueueBody.Type

const decodeBody = Schema.decodeUnknownEffect(EnqueueBody, { onExcessProperty: "error" })

const json = (body: unknown, status: number) => HttpServerResponse.jsonUnsafe(body, { status })
const refuse = (status: number, error: string) => Effect.succeed(json({ error }, status))

/** The JSON text of a body, or a refusal: over the limit (by its declared length first) or not JSON. */
const readBody = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.gen(function*() {
    const declared = Number(request.headers["content-length"] ?? "0")
    if (declared > limit) return { refused: json({ error: `request body is ${declared} bytes, over the ${limit}-byte limit` }, 413) }
    const text = yield* request.text.pipe(Effect.orElseSucceed(() => undefined))
    if (text === undefined) return { refused: json({ error: "request body could not be read" }, 400) }
    if (Buffer.byteLength(text) > limit) return { refused: json({ error: `request body is over the ${limit}-byte limit` }, 413) }
    try {
      return { value: parseWireJson(text) }
    } catch {
      return { refused: json({ error: "request body is not JSON" }, 400) }
    }
  })

const options = (body: EnqueueBody) => {
  const runAt = body.run_at === undefined ? undefined : parseIsoDateTime(body.run_at)
  return {
    runAt,
    options: {
      userId: body.user_id,
      ...(body.job_id === undefined ? {} : { jobId: body.job_id }),
      ...(body.delay_ms === undefined ? {} : { delayMs: body.delay_ms }),
      ...(runAt === undefined ? {} : { runAt }),
      ...(body.max_attempts === undefined ? {} : { maxAttempts: body.max_attempts }),
      ...(body.backoff_ms === undefined ? {} : { backoffMs: body.backoff_ms }),
      ...(body.retry_on === undefined ? {} : { retryOn: body.retry_on }),
      ...(body.correlation_id === undefined ? {} : { correlationId: body.correlation_id })
    }
  }
}

const enqueue = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const domain = (yield* HttpRouter.params)["domain"] ?? ""
  if (!isJobDomain(domain)) return yield* refuse(400, `"${domain}" is not a domain name`)
  const settings = yield* RuntimeConfig
  // The payload may take the whole payload limit; the envelope gets a little room beside it.
  const read = yield* readBody(request, settings.maxPayloadBytes + 4096)
  if (read.refused !== undefined) return read.refused
  const decoded = yield* Effect.result(decodeBody(read.value))
  if (decoded._tag === "Failure") return yield* refuse(400, `enqueue body: ${decoded.failure.message.replace(/\s*\n\s*/g, " ")}`)
  const { runAt, options: enqueueOptions } = options(decoded.success)
  if (decoded.success.run_at !== undefined && runAt === undefined) {
    return yield* refuse(400, `enqueue body: run_at is not an ISO 8601 time: ${decoded.success.run_at}`)
  }
  if (decoded.success.delay_ms !== undefined && runAt !== undefined) return yield* refuse(400, "enqueue body: give delay_ms or run_at, not both")
  const producer = yield* Producer
  return yield* producer.enqueueJson(domain, decoded.success.payload, enqueueOptions).pipe(
    Effect.map((result) => json({ job_id: result.jobId, added: result.added }, result.added ? 201 : 200)),
    Effect.catch((error) => Effect.succeed(json({ error: error.message }, error._tag === "RedisError" ? 503 : 400)))
  )
})

export const enqueueRoutes = Layer.mergeAll(HttpRouter.add("POST", "/api/jobs/:domain", enqueue))
