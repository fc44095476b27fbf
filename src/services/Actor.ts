/**
 * Who is calling: every service operation takes an `Actor`, and the HTTP layer and the CLI get one from a
 * bearer token through `ApiTokens`.
 *
 * `JOBS_API_TOKENS` (a secret) is JSON: `{ "<token>": { "user_id": <int64>, "roles": ["user"] }, ... }`.
 * user_id is read from its digits (ids pass 2^53; see src/contracts/WireJson.ts). Tokens are kept only as
 * SHA-256 digests, and a malformed value fails the layer with a ConfigError that names the entry by its
 * position, never by its token.
 *
 * The dashboard token of today (`DASHBOARD_TOKEN`) is one of the actors: an OPERATOR with user_id 0. Why
 * operator and not admin: what the dashboard could do (enqueue, cancel, retry) is operator work; deleting
 * records is a new, destructive power nobody had, so it is granted only explicitly, in JOBS_API_TOKENS.
 * user_id 0 is no real user (ids are Discord snowflakes), so what the dashboard creates is visibly its
 * own. When the same token is also listed in JOBS_API_TOKENS, that explicit entry wins.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { Config, ConfigProvider, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { topLevelValueText, parseWireJson } from "../contracts/WireJson.js"
import { UserId } from "../contracts/UserId.js"
import { Unauthorized } from "./errors.js"

export const roles = ["admin", "operator", "user"] as const
export const Role = Schema.Literals(roles)
export type Role = typeof Role.Type

export const Actor = Schema.Struct({
  userId: UserId,
  roles: Schema.Array(Role)
}).annotate({ identifier: "Actor" })
export type Actor = typeof Actor.Type

export const isAdmin = (actor: Actor): boolean => actor.roles.includes("admin")
/** Admins are operators too: every operator right is also theirs. */
export const isOperator = (actor: Actor): boolean => isAdmin(actor) || actor.roles.includes("operator")

/** The dashboard token's actor (see the module comment). */
export const dashboardActor: Actor = { userId: 0n, roles: ["operator"] }

export interface TokenEntry {
  readonly token: Redacted.Redacted<string>
  readonly actor: Actor
}

const digest = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest()

const bearer = (authorization: string | undefined): string | undefined =>
  /^Bearer\s+(\S.*)$/i.exec(authorization?.trim() ?? "")?.[1]

const missing = new Unauthorized({ reason: "missing", message: "missing bearer token (Authorization: Bearer <token>)" })
const unknown = new Unauthorized({ reason: "unknown", message: "unknown token" })

const TokenValue = Schema.Struct({
  user_id: UserId,
  roles: Schema.Array(Role).check(Schema.isMinLength(1, { message: "Expected at least one role" }))
})
const decodeTokenValue = Schema.decodeUnknownSync(TokenValue, { onExcessProperty: "error" })

const configError = (message: string) =>
  new Config.ConfigError(new ConfigProvider.SourceError({ message: `JOBS_API_TOKENS: ${message}` }))

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Parses the JOBS_API_TOKENS text into entries. Every message names an entry by its 1-based position:
 * JSON.parse's own messages quote the input, so they are never passed on.
 */
export const parseApiTokens = (text: string): Effect.Effect<ReadonlyArray<TokenEntry>, Config.ConfigError> =>
  Effect.gen(function*() {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return yield* Effect.fail(configError("not valid JSON (expected an object of token -> { user_id, roles })"))
    }
    if (!isRecord(parsed)) return yield* Effect.fail(configError("expected a JSON object of token -> { user_id, roles }"))
    const entries: Array<TokenEntry> = []
    let position = 0
    for (const token of Object.keys(parsed)) {
      position++
      if (token.trim().length === 0 || token !== token.trim()) {
        return yield* Effect.fail(configError(`entry ${position}: a token must be non-empty, without surrounding spaces`))
      }
      const valueText = topLevelValueText(text, token)
      const value = valueText === undefined ? undefined : parseWireJson(valueText)
      try {
        const decoded = decodeTokenValue(value)
        entries.push({ token: Redacted.make(token), actor: { userId: decoded.user_id, roles: decoded.roles } })
      } catch (error) {
        const detail = error instanceof Error ? error.message.replace(/\s*\n\s*/g, " ") : "invalid value"
        return yield* Effect.fail(configError(`entry ${position}: ${detail}`))
      }
    }
    return entries
  })

export class ApiTokens extends Context.Service<ApiTokens, {
  /** How many tokens are configured (the dashboard's included); 0 means every request is refused. */
  readonly size: number
  /** The actor of an `Authorization: Bearer <token>` header; the comparison is constant-time. */
  readonly authenticate: (authorization: string | undefined) => Effect.Effect<Actor, Unauthorized>
}>()("jobs/ApiTokens") {
  /** Later entries do not replace earlier ones: list explicit entries first (layerConfig does). */
  static readonly make = (entries: ReadonlyArray<TokenEntry>) => {
    const table = entries.map((entry) => ({ digest: digest(Redacted.value(entry.token)), actor: entry.actor }))
    return ApiTokens.of({
      size: table.length,
      authenticate: (authorization) =>
        Effect.suspend(() => {
          const given = bearer(authorization)
          if (given === undefined) return Effect.fail(missing)
          // Equal-length digests and no early exit: the time taken says nothing about any token.
          const candidate = digest(given)
          let found: Actor | undefined
          for (const row of table) if (timingSafeEqual(row.digest, candidate) && found === undefined) found = row.actor
          return found === undefined ? Effect.fail(unknown) : Effect.succeed(found)
        })
    })
  }

  static readonly layer = (entries: ReadonlyArray<TokenEntry>) => Layer.succeed(ApiTokens, ApiTokens.make(entries))

  /** Reads `JOBS_API_TOKENS` and `DASHBOARD_TOKEN` (both secrets, both optional). */
  static readonly layerConfig = Layer.effect(ApiTokens, Effect.gen(function*() {
    const listed = yield* Config.Redacted("JOBS_API_TOKENS").pipe(Config.option)
    const dashboard = yield* Config.Redacted("DASHBOARD_TOKEN").pipe(Config.option)
    const entries = Option.isSome(listed) && Redacted.value(listed.value).trim().length > 0
      ? yield* parseApiTokens(Redacted.value(listed.value))
      : []
    const dashboardEntry = Option.filter(dashboard, (token) => Redacted.value(token).length > 0).pipe(
      Option.map((token): TokenEntry => ({ token, actor: dashboardActor })),
      Option.toArray
    )
    return ApiTokens.make([...entries, ...dashboardEntry])
  }))
}
