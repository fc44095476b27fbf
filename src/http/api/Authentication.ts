/**
 * Bearer authentication of the `/api/v1` routes: `Authorization: Bearer <token>` is resolved to an Actor
 * by `ApiTokens` (src/services/Actor.ts: JOBS_API_TOKENS, and DASHBOARD_TOKEN as an operator with
 * user_id 0). No token or an unknown one is a 401 with the `UNAUTHORIZED` error body. The middleware
 * provides `CurrentActor` to every handler, so no route can forget the check.
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { type Actor, ApiTokens } from "../../services/Actor.js"
import { errorBody } from "../../services/errors.js"
import { Unauthorized, type UnauthorizedBody } from "./Schemas.js"

export class CurrentActor extends Context.Service<CurrentActor, Actor>()("jobs/http/api/CurrentActor") {}

export class Authentication extends HttpApiMiddleware.Service<Authentication, {
  provides: CurrentActor
}>()("jobs/http/api/Authentication", {
  error: Unauthorized,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/** The refusal body; the Unauthorized error's `reason` (missing | unknown) is its only detail. */
const refusal = (error: Parameters<typeof errorBody>[0]): UnauthorizedBody => {
  const body = errorBody(error)
  return { code: "UNAUTHORIZED", message: body["message"] ?? "unauthorized", ...(body["reason"] === undefined ? {} : { reason: body["reason"] }) }
}

export const AuthenticationLive = Layer.effect(Authentication, Effect.gen(function*() {
  const tokens = yield* ApiTokens
  return Authentication.of({
    bearer: (httpEffect, { credential }) => {
      const token = Redacted.value(credential)
      return tokens.authenticate(token.length === 0 ? undefined : `Bearer ${token}`).pipe(
        Effect.mapError(refusal),
        Effect.flatMap((actor) => Effect.provideService(httpEffect, CurrentActor, actor))
      )
    }
  })
}))
