/**
 * The gate every request of the HTTP server passes (worker `--http-port` and `serve` alike):
 *
 * - `Host` must name an allowed host, or the answer is 421. A page on another origin that rebinds
 *   its name to 127.0.0.1 (DNS rebinding) reaches this server with its own name as Host, so it
 *   gets nothing. Loopback names are always allowed (localhost, 127.0.0.1, [::1], any port); more
 *   come from `JOBS_HTTP_ALLOWED_HOSTS` (comma-separated) and `--allowed-host`; `*` turns the check
 *   off (for a proxy that checks Host itself).
 * - `/healthz` and `/readyz` skip the Host check: probes send the pod's address as Host, and these
 *   answers carry no user data.
 * - Every `/api/...` route needs the dashboard token (`Authorization: Bearer <DASHBOARD_TOKEN>`);
 *   without DASHBOARD_TOKEN configured they answer 403: no data route is public. `/api/v1/...` (the
 *   Job & Task API) checks its own tokens (ApiTokens, src/http/api/Authentication.ts) instead.
 * - `/metrics` is open unless `METRICS_TOKEN` is set; then it needs `Bearer <METRICS_TOKEN>` and
 *   skips the Host check, so Prometheus can scrape it by address from outside.
 * - Every response carries CSP, X-Frame-Options, X-Content-Type-Options and Referrer-Policy.
 */
import { timingSafeEqual } from "node:crypto"
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import { HttpEffect, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { DashboardToken } from "./DashboardToken.js"

const loopbackHosts = ["localhost", "127.0.0.1", "::1"]
const probePaths = new Set(["/healthz", "/readyz"])

/** Self only: the page loads its script and style from /assets and talks to its own origin. */
export const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const securityHeaders: Record<string, string> = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer"
}

/** The host name of a Host header, lowercase, without port, brackets or a trailing dot. */
export const hostName = (header: string): string => {
  const value = header.trim().toLowerCase()
  const name = value.startsWith("[") ? value.slice(1, value.indexOf("]") < 0 ? undefined : value.indexOf("]")) : value.replace(/:\d*$/, "")
  return name.endsWith(".") ? name.slice(0, -1) : name
}

const bearer = (authorization: string | undefined): string | undefined => /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? "")?.[1]

const sameSecret = (given: string, expected: Redacted.Redacted<string>): boolean => {
  const a = Buffer.from(given)
  const b = Buffer.from(Redacted.value(expected))
  return a.length === b.length && timingSafeEqual(a, b)
}

export class HttpSecurity extends Context.Service<HttpSecurity, {
  /** Hosts allowed besides the loopback names; "*" allows any. */
  readonly allowedHosts: ReadonlyArray<string>
  readonly isAllowedHost: (header: string | undefined) => boolean
  readonly metricsTokenConfigured: boolean
  readonly checkMetricsToken: (authorization: string | undefined) => boolean
}>()("jobs/HttpSecurity") {
  static readonly make = (options: {
    readonly allowedHosts: ReadonlyArray<string>
    readonly metricsToken: Option.Option<Redacted.Redacted<string>>
  }) => {
    const allowed = new Set([...loopbackHosts, ...options.allowedHosts.map(hostName).filter((h) => h.length > 0)])
    const token = options.metricsToken
    return HttpSecurity.of({
      allowedHosts: options.allowedHosts,
      isAllowedHost: (header) => allowed.has("*") || (header !== undefined && allowed.has(hostName(header))),
      metricsTokenConfigured: Option.isSome(token),
      checkMetricsToken: (authorization) => {
        const given = bearer(authorization)
        return Option.isNone(token) || (given !== undefined && sameSecret(given, token.value))
      }
    })
  }

  /** `JOBS_HTTP_ALLOWED_HOSTS` plus `extraHosts` (from `--allowed-host`), and `METRICS_TOKEN`. */
  static readonly layerConfig = (extraHosts: ReadonlyArray<string> = []) =>
    Layer.effect(HttpSecurity, Effect.gen(function*() {
      const listed = yield* Config.String("JOBS_HTTP_ALLOWED_HOSTS").pipe(Config.withDefault(""))
      const metricsToken = yield* Config.Redacted("METRICS_TOKEN").pipe(Config.option)
      return HttpSecurity.make({
        allowedHosts: [...listed.split(","), ...extraHosts].map((h) => h.trim()).filter((h) => h.length > 0),
        metricsToken: Option.filter(metricsToken, (t) => Redacted.value(t).length > 0)
      })
    }))

  static readonly layer = (options: { readonly allowedHosts?: ReadonlyArray<string>; readonly metricsToken?: string }) =>
    Layer.succeed(HttpSecurity, HttpSecurity.make({
      allowedHosts: options.allowedHosts ?? [],
      metricsToken: options.metricsToken === undefined ? Option.none() : Option.some(Redacted.make(options.metricsToken))
    }))
}

const refuse = (status: number, error: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe({ error }, { status, headers })

const unauthorized = (error: string) => refuse(401, error, { "www-authenticate": "Bearer" })

/** Adds the security headers; a route's own stricter CSP (results are sandboxed) is kept. */
const withSecurityHeaders = (response: HttpServerResponse.HttpServerResponse) =>
  HttpServerResponse.setHeaders(response, {
    ...securityHeaders,
    "content-security-policy": response.headers["content-security-policy"] ?? contentSecurityPolicy
  })

/** The response refusing this request, or undefined when it may go on to its route. */
const refusal = (
  security: HttpSecurity["Service"],
  token: DashboardToken["Service"],
  request: HttpServerRequest.HttpServerRequest
): HttpServerResponse.HttpServerResponse | undefined => {
  const path = new URL(request.url, "http://localhost").pathname
  if (probePaths.has(path)) return undefined
  const authorization = request.headers["authorization"]
  const metrics = path === "/metrics"
  const hostChecked = !(metrics && security.metricsTokenConfigured)
  if (hostChecked && !security.isAllowedHost(request.headers["host"])) {
    return refuse(421, `host "${request.headers["host"] ?? ""}" is not served here: allow it with JOBS_HTTP_ALLOWED_HOSTS or --allowed-host`)
  }
  if (metrics && !security.checkMetricsToken(authorization)) {
    return unauthorized("/metrics needs the metrics token (Authorization: Bearer <METRICS_TOKEN>)")
  }
  // /api/v1 (src/http/api) authenticates its own bearer tokens (JOBS_API_TOKENS, the dashboard's included).
  if ((path === "/api" || path.startsWith("/api/")) && !path.startsWith("/api/v1/")) {
    switch (token.check(authorization)) {
      case "read-only":
        return refuse(403, "this server was started without DASHBOARD_TOKEN: its data routes are closed")
      case "missing":
        return unauthorized("this route needs the dashboard token (Authorization: Bearer <token>)")
      case "wrong":
        return unauthorized("wrong dashboard token")
      case "ok":
        return undefined
    }
  }
  return undefined
}

/** The gate as global router middleware: it sees every request, including those no route matches. */
export const securityMiddleware = HttpRouter.middleware(
  Effect.gen(function*() {
    const security = yield* HttpSecurity
    const token = yield* DashboardToken
    return (httpEffect) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        // Registered first, so refusals, errors and 404s get the headers too.
        yield* HttpEffect.appendPreResponseHandler((_request, response) => Effect.succeed(withSecurityHeaders(response)))
        return refusal(security, token, request) ?? (yield* httpEffect)
      })
  }),
  { global: true }
)
