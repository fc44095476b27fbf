/**
 * Stored results over HTTP: `GET /api/results/:id` (by the content-addressed result id) and
 * `GET /api/jobs/:domain/:id/result` (a completed job's result). The body is streamed from the
 * result store in chunks, never read whole, with Content-Length from the store's `stat`.
 *
 * Every request needs the dashboard token (`Authorization: Bearer <DASHBOARD_TOKEN>`). A server
 * started without a token answers 403: results are user data, and issue 17's direction is that
 * no data route is open, so "no token configured" means "closed", not "public".
 */
import { Effect, Layer, Stream } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { isJobDomain } from "../contracts/JobDomain.js"
import { ResultStore } from "../runtime/ResultStore.js"
import { jobResultId } from "../runtime/resultStore/jobResult.js"
import { sniffContentType } from "./ResultContentType.js"
import { DashboardToken } from "./DashboardToken.js"

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers })

type Request = { readonly headers: Readonly<Record<string, string | undefined>> }

/** The error response when the request may not read results, or undefined when it may. */
const refusal = (request: Request) =>
  Effect.gen(function*() {
    const token = yield* DashboardToken
    switch (token.check(request.headers["authorization"])) {
      case "read-only":
        return json({ error: "results need a token: start the server with DASHBOARD_TOKEN set" }, 403)
      case "missing":
        return json({ error: "results need the dashboard token (Authorization: Bearer <token>)" }, 401, { "www-authenticate": "Bearer" })
      case "wrong":
        return json({ error: "wrong dashboard token" }, 401, { "www-authenticate": "Bearer" })
      case "ok":
        return undefined
    }
  })

/**
 * Streams object `id`. The first chunk is read once on its own to choose the Content-Type (the
 * store keeps bytes only, no metadata); the body is a second read from the start, so nothing but
 * that chunk is ever held. Objects never change under their id, so the response is cacheable
 * forever (privately: it was behind a token) and its ETag is the id.
 */
const streamResult = (id: string) =>
  Effect.gen(function*() {
    const store = yield* ResultStore
    const { bytes } = yield* store.stat(id)
    const head = yield* store.getStream(id).pipe(Stream.take(1), Stream.runCollect)
    return HttpServerResponse.stream(store.getStream(id), {
      contentType: sniffContentType(head[0] ?? new Uint8Array()),
      contentLength: bytes,
      headers: {
        etag: `"${id}"`,
        "cache-control": "private, max-age=31536000, immutable",
        "x-content-type-options": "nosniff",
        // An SVG result opened on the dashboard's origin must not run scripts there.
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"
      }
    })
  }).pipe(
    Effect.catchTags({
      InvalidResultId: (error) => Effect.succeed(json({ error: error.message }, 400)),
      ResultNotFound: (error) => Effect.succeed(json({ error: error.message }, 404)),
      // Refused before the first byte (a link, or bytes that do not hash to the id); the message
      // leaves out the quarantine path, which is the server's business.
      ResultCorrupt: (error) =>
        Effect.succeed(json({ error: `result ${error.id} failed the store's integrity check (${error.reason}) and was set aside` }, 500)),
      ResultStoreError: (error) => Effect.succeed(json({ error: error.message }, 500))
    })
  )

const byId = (request: Request) =>
  Effect.gen(function*() {
    const refused = yield* refusal(request)
    if (refused !== undefined) return refused
    const params = yield* HttpRouter.params
    return yield* streamResult(params["id"] ?? "")
  })

const byJob = (request: Request) =>
  Effect.gen(function*() {
    const refused = yield* refusal(request)
    if (refused !== undefined) return refused
    const params = yield* HttpRouter.params
    const domain = params["domain"] ?? ""
    const jobId = params["id"] ?? ""
    if (!isJobDomain(domain)) return json({ error: `"${domain}" is not a domain name` }, 400)
    return yield* jobResultId(domain, jobId).pipe(
      Effect.flatMap(streamResult),
      Effect.catchTags({
        // A job that exists but is not done yet is a conflict of state, not a missing resource.
        JobResultUnavailable: (error) => Effect.succeed(json({ error: error.message }, error.reason === "not-completed" ? 409 : 404)),
        ContractError: (error) => Effect.succeed(json({ error: error.message }, 500)),
        RedisError: (error) => Effect.succeed(json({ error: error.message }, 503))
      })
    )
  })

export const resultRoutes = Layer.mergeAll(
  HttpRouter.add("GET", "/api/results/:id", byId),
  HttpRouter.add("GET", "/api/jobs/:domain/:id/result", byJob)
)
