import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { ApiTokens, dashboardActor } from "../src/services/Actor.js"

const secretA = "tok-alpha-3f9c1e77a2b84d10"
const secretB = "tok-bravo-9d2e4b6a0c1f3e58"
const dash = "dash-token-5b7c9e1a3d"
// 2^63 - 1 and 2^53 + 1: both lose digits through a double.
const tokens = `{ "${secretA}": { "user_id": 9223372036854775807, "roles": ["admin"] },
  "${secretB}": { "user_id": 9007199254740993, "roles": ["user", "operator"] } }`

const withEnv = (env: Record<string, string>) =>
  <A, E>(effect: Effect.Effect<A, E, ApiTokens>) =>
    effect.pipe(Effect.provide(ApiTokens.layerConfig.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))))

const configFailure = (env: Record<string, string>) =>
  Effect.gen(function*() {
    return yield* ApiTokens
  }).pipe(withEnv(env), Effect.flip, Effect.map((error) => String(error.message)))

describe("ApiTokens", () => {
  it.effect("reads JOBS_API_TOKENS with exact 64-bit user ids, plus the dashboard token as an operator with user_id 0", () =>
    Effect.gen(function*() {
      const tokensService = yield* ApiTokens
      assert.strictEqual(tokensService.size, 3)
      assert.deepStrictEqual(yield* tokensService.authenticate(`Bearer ${secretA}`), { userId: 2n ** 63n - 1n, roles: ["admin"] })
      assert.deepStrictEqual(yield* tokensService.authenticate(`bearer   ${secretB} `), { userId: 2n ** 53n + 1n, roles: ["user", "operator"] })
      assert.deepStrictEqual(yield* tokensService.authenticate(`Bearer ${dash}`), dashboardActor)
      assert.deepStrictEqual(dashboardActor, { userId: 0n, roles: ["operator"] })
    }).pipe(withEnv({ JOBS_API_TOKENS: tokens, DASHBOARD_TOKEN: dash })))

  it.effect("answers Unauthorized for a missing, malformed or unknown token, never repeating it", () =>
    Effect.gen(function*() {
      const tokensService = yield* ApiTokens
      for (const header of [undefined, "", "Bearer", "Basic abc", `Token ${secretA}`]) {
        const error = yield* Effect.flip(tokensService.authenticate(header))
        assert.deepStrictEqual([error._tag, error.reason, error.code], ["Unauthorized", "missing", "UNAUTHORIZED"])
      }
      for (const guess of [`${secretA}x`, secretA.slice(0, -1), "x", secretA.toUpperCase()]) {
        const error = yield* Effect.flip(tokensService.authenticate(`Bearer ${guess}`))
        assert.strictEqual(error.reason, "unknown")
        assert.notInclude(error.message, guess)
        assert.notInclude(JSON.stringify(error), guess)
      }
    }).pipe(withEnv({ JOBS_API_TOKENS: tokens })))

  it.effect("an explicit JOBS_API_TOKENS entry for the dashboard token wins over the default operator", () =>
    Effect.gen(function*() {
      const tokensService = yield* ApiTokens
      assert.deepStrictEqual(yield* tokensService.authenticate(`Bearer ${dash}`), { userId: 7n, roles: ["admin"] })
    }).pipe(withEnv({ JOBS_API_TOKENS: `{"${dash}": {"user_id": 7, "roles": ["admin"]}}`, DASHBOARD_TOKEN: dash })))

  it.effect("with nothing configured every request is refused", () =>
    Effect.gen(function*() {
      const tokensService = yield* ApiTokens
      assert.strictEqual(tokensService.size, 0)
      assert.strictEqual((yield* Effect.flip(tokensService.authenticate("Bearer anything"))).reason, "unknown")
    }).pipe(withEnv({})))

  const bad: ReadonlyArray<[string, string, string]> = [
    ["not JSON", `{"${secretA}": {"user_id": 1, "roles": ["user"]`, "not valid JSON"],
    ["an array", `["${secretA}"]`, "expected a JSON object"],
    ["a float user_id", `{"${secretA}": {"user_id": 1.5, "roles": ["user"]}}`, "entry 1"],
    ["a quoted user_id", `{"x": {"user_id": 1, "roles": ["user"]}, "${secretA}": {"user_id": "1", "roles": ["user"]}}`, "entry 2"],
    ["a user_id past 2^63", `{"${secretA}": {"user_id": 9223372036854775808, "roles": ["user"]}}`, "signed 64-bit"],
    ["an unknown role", `{"${secretA}": {"user_id": 1, "roles": ["root"]}}`, "entry 1"],
    ["no roles", `{"${secretA}": {"user_id": 1, "roles": []}}`, "at least one role"],
    ["an unknown field", `{"${secretA}": {"user_id": 1, "roles": ["user"], "name": "x"}}`, "entry 1"],
    ["an empty token", `{"": {"user_id": 1, "roles": ["user"]}}`, "non-empty"]
  ]
  for (const [what, value, expected] of bad) {
    it.effect(`a value with ${what} is a ConfigError that does not print the token`, () =>
      Effect.gen(function*() {
        const message = yield* configFailure({ JOBS_API_TOKENS: value })
        assert.include(message, "JOBS_API_TOKENS")
        assert.include(message, expected)
        assert.notInclude(message, secretA)
        assert.notInclude(message, "tok-")
      }))
  }
})
