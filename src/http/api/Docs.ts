/**
 * `/api/v1/openapi.json` and the Swagger UI page `/api/v1/docs`. Both are open on allowed hosts (like the
 * dashboard page, they describe the API and hold no data; every data route needs a token).
 *
 * The document is HttpApi's, with one rewrite: Schema.BigInt's JSON form is a digit string, but this API
 * writes user ids as JSON integers (./Wire.ts), so those nodes become `{type: integer, format: int64}`.
 *
 * Swagger UI comes from effect's own bundle (HttpApiSwagger; nothing from a CDN: the machine may be
 * offline). Its page inlines script and style, which the server's CSP forbids, so the page is rebuilt
 * with that script and style served as files from `/api/v1/docs/` and the CSP stays self-only.
 */
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApiSwagger, OpenApi } from "effect/http-api"
import { JobsApi } from "./Api.js"

export const openApiPath = "/api/v1/openapi.json"
export const docsPath = "/api/v1/docs"

const bigintPattern = "^-?\\d+$"

/** Rewrites every bigint node (a string of digits) into an int64 integer, everywhere in the document. */
const int64Ids = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(int64Ids)
  if (typeof node !== "object" || node === null) return node
  const entries = Object.entries(node)
  const record = Object.fromEntries(entries)
  if (record["type"] === "string" && record["pattern"] === bigintPattern) {
    const { pattern: _pattern, ...rest } = record
    return { ...rest, type: "integer", format: "int64" }
  }
  return Object.fromEntries(entries.map(([key, value]) => [key, int64Ids(value)]))
}

/** The API's OpenAPI 3.1 document, as served. */
export const openApiDocument = (): Record<string, unknown> => {
  const document = int64Ids(OpenApi.fromApi(JobsApi))
  return typeof document === "object" && document !== null && !Array.isArray(document) ? Object.fromEntries(Object.entries(document)) : {}
}

interface SwaggerAssets {
  readonly javascript: string
  readonly css: string
}

const between = (text: string, open: string, close: string): string => {
  const start = text.indexOf(open)
  const end = start < 0 ? -1 : text.indexOf(close, start + open.length)
  return start < 0 || end < 0 ? "" : text.slice(start + open.length, end)
}

/** Swagger UI's script and style, taken from the page HttpApiSwagger renders (its bundle is not exported on its own). */
const loadSwaggerAssets = Effect.acquireUseRelease(
  Effect.sync(() => HttpRouter.toWebHandler(HttpApiSwagger.layer(JobsApi, { path: "/docs" }), { disableLogger: true })),
  (web) => Effect.promise(() => web.handler(new Request("http://localhost/docs")).then((response) => response.text())),
  (web) => Effect.promise(() => web.dispose())
).pipe(
  Effect.map((html): SwaggerAssets => ({
    css: between(html, "<style>", "</style>"),
    javascript: between(html, "<script>", "</script>")
  }))
)

const escapeJson = (document: unknown) => JSON.stringify(document).replace(/</g, "\\u003c")

const page = (document: unknown) => `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>effect-jobs API</title>
  <link rel="icon" href="data:," />
  <link rel="stylesheet" href="${docsPath}/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script id="swagger-spec" type="application/json">${escapeJson(document)}</script>
  <script src="${docsPath}/swagger-ui.js"></script>
</body>
</html>`

export const docsRoutes = Layer.unwrap(Effect.gen(function*() {
  const document = openApiDocument()
  const assets = yield* loadSwaggerAssets
  const html = page(document)
  return Layer.mergeAll(
    HttpRouter.add("GET", openApiPath, Effect.sync(() => HttpServerResponse.jsonUnsafe(document))),
    HttpRouter.add("GET", docsPath, Effect.sync(() => HttpServerResponse.html(html))),
    HttpRouter.add("GET", `${docsPath}/swagger-ui.js`, Effect.sync(() =>
      HttpServerResponse.text(assets.javascript, { contentType: "text/javascript; charset=utf-8" }))),
    HttpRouter.add("GET", `${docsPath}/swagger-ui.css`, Effect.sync(() =>
      HttpServerResponse.text(assets.css, { contentType: "text/css; charset=utf-8" })))
  )
}))
