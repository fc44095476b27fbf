/**
 * What the `job` and `task` commands share: who acts, the services they run on, and JSON output.
 *
 * Who acts: the actor of `--token` or `JOBS_API_TOKEN` (resolved by ApiTokens from JOBS_API_TOKENS and
 * DASHBOARD_TOKEN, exactly as over HTTP), else a LOCAL ADMIN (user_id 0). Why admin without a token: the
 * CLI opens the database itself (DATABASE_URL or the embedded one), so whoever runs it can already
 * change every row; a token is how an operator narrows the CLI to a user's rights, not a lock.
 *
 * Output: the result as indented wire JSON (user ids as exact integers); an error is one line
 * (`error: NOT_FOUND: job ... not found`) and exit code 1.
 */
import { Config, Console, Effect, Option, Redacted, Schema } from "effect"
import { Flag } from "effect/cli"
import { stringifyWirePretty } from "../contracts/WireJson.js"
import { type Actor, ApiTokens } from "../services/Actor.js"
import type { ServiceError } from "../services/errors.js"
import { parseApiJson, type PayloadTooLarge } from "../http/api/Wire.js"
import { decodeStrict } from "../services/fields.js"

/** The local actor when no token is given (see the module comment). */
export const localAdmin: Actor = { userId: 0n, roles: ["admin"] }

export const tokenFlag = Flag.String("token").pipe(
  Flag.withDescription("Act as this API token's user (default: JOBS_API_TOKEN; without either, a local admin)"),
  Flag.optional
)

export class ServiceCommandError extends Schema.TaggedError<ServiceCommandError>()("ServiceCommandError", {
  message: Schema.String
}) {}

const oneLine = (error: ServiceError | PayloadTooLarge) =>
  new ServiceCommandError({ message: `${error._tag === "PayloadTooLarge" ? "PAYLOAD_TOO_LARGE" : error.code}: ${error.message.split("\n")[0] ?? ""}` })

/** The acting user: the token's, or the local admin. */
export const resolveActor = (flag: Option.Option<string>) =>
  Effect.gen(function*() {
    const fromEnv = yield* Config.Redacted("JOBS_API_TOKEN").pipe(Config.option)
    const token = Option.orElse(flag, () => Option.map(fromEnv, Redacted.value)).pipe(Option.filter((t) => t.length > 0))
    if (Option.isNone(token)) return localAdmin
    const tokens = yield* ApiTokens
    return yield* tokens.authenticate(`Bearer ${token.value}`).pipe(Effect.mapError(oneLine))
  })

/** A JSON argument (the same body as the HTTP API's), decoded strictly with exact user ids. */
export const jsonArgument = <S extends Schema.Decoder<unknown>>(schema: S, text: string) => {
  const decode = decodeStrict(schema)
  return Effect.try({ try: () => parseApiJson(text), catch: () => new ServiceCommandError({ message: "VALIDATION: expected a JSON argument" }) }).pipe(
    Effect.flatMap((value) => decode(value).pipe(Effect.mapError(oneLine)))
  )
}

const apiErrorTags: ReadonlySet<string> = new Set(["NotFound", "Forbidden", "InvalidTransition", "Conflict", "Validation", "Unauthorized", "PayloadTooLarge"])

const isApiError = (error: unknown): error is ServiceError | PayloadTooLarge =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" && apiErrorTags.has(error._tag)

/** Prints a service call's result, encoded by `schema`, as JSON; service errors become one line. */
export const printResult = <S extends Schema.Encoder<unknown>>(schema: S) => {
  const encode = Schema.encodeEffect(schema)
  return <E, R>(effect: Effect.Effect<S["Type"], E, R>) =>
    effect.pipe(
      Effect.mapError((error) => (isApiError(error) ? oneLine(error) : error)),
      Effect.flatMap((value) => Effect.orDie(encode(value))),
      Effect.flatMap((encoded) => Console.log(stringifyWirePretty(encoded)))
    )
}
