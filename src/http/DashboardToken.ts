/**
 * The dashboard's action token, from `DASHBOARD_TOKEN`. Without it the dashboard is read-only:
 * every action answers 403. With it, an action needs `Authorization: Bearer <token>`; a missing
 * or wrong token answers 401.
 */
import { timingSafeEqual } from "node:crypto"
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"

export type TokenCheck = "ok" | "read-only" | "missing" | "wrong"

export class DashboardToken extends Context.Service<DashboardToken, {
  readonly configured: boolean
  readonly check: (authorization: string | undefined) => TokenCheck
}>()("jobs/DashboardToken") {
  static readonly make = (token: Option.Option<Redacted.Redacted<string>>) =>
    DashboardToken.of({
      configured: Option.isSome(token),
      check: (authorization) => {
        if (Option.isNone(token)) return "read-only"
        const given = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? "")?.[1]
        if (given === undefined) return "missing"
        const expected = Buffer.from(Redacted.value(token.value))
        const actual = Buffer.from(given)
        return actual.length === expected.length && timingSafeEqual(actual, expected) ? "ok" : "wrong"
      }
    })

  /** Reads `DASHBOARD_TOKEN`; unset or empty means read-only. */
  static readonly layerConfig = Layer.effect(DashboardToken, Effect.gen(function*() {
    const token = yield* Config.Redacted("DASHBOARD_TOKEN").pipe(Config.option)
    return DashboardToken.make(Option.filter(token, (t) => Redacted.value(t).length > 0))
  }))

  static readonly layer = (token: string | undefined) =>
    Layer.succeed(DashboardToken, DashboardToken.make(token === undefined ? Option.none() : Option.some(Redacted.make(token))))
}
