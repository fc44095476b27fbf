/**
 * Listing filters from the query string: comma-separated statuses, user ids as decimal text (exact to
 * 64 bits), times as ISO 8601, `limit` as digits. Everything is then decoded with the services' own
 * filter schemas, so a bad value is a 400 naming the parameter and never reaches SQL.
 */
import { Effect, Schema } from "effect"
import { parseUserId } from "../../contracts/UserId.js"
import { validation, type Validation } from "../../services/errors.js"
import { decodeStrict, EntityId } from "../../services/fields.js"
import { JobFilters } from "../../services/jobs/types.js"
import { TaskFilters } from "../../services/tasks/types.js"

type Params = Readonly<Record<string, string | undefined>>

const decodeId = Schema.decodeUnknownEffect(EntityId)

/** A path id: a UUID, or a 400 on `field` (an id that cannot exist is a malformed request, not a miss). */
export const entityId = (value: string, field = "id"): Effect.Effect<string, Validation> =>
  decodeId(value).pipe(Effect.mapError(() => validation(field, "Expected a UUID")))

const userId = (value: string, field: string): Effect.Effect<bigint, Validation> => {
  const id = parseUserId(value)
  return id === undefined ? Effect.fail(validation(field, "Expected a user id (a signed 64-bit decimal integer)")) : Effect.succeed(id)
}

const limit = (value: string): Effect.Effect<number, Validation> =>
  /^\d{1,4}$/.test(value) ? Effect.succeed(Number(value)) : Effect.fail(validation("limit", "Expected an integer from 1 to 200"))

const list = (value: string) => value.split(",").map((part) => part.trim()).filter((part) => part.length > 0)

/** Copies the given parameters; `convert` turns some into typed values (a failure names the parameter). */
const collect = (params: Params, convert: Readonly<Record<string, [string, (value: string) => Effect.Effect<unknown, Validation>]>>) =>
  Effect.gen(function*() {
    const out: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined) continue
      const rule = convert[name]
      if (rule === undefined) out[name] = value
      else out[rule[0]] = yield* rule[1](value)
    }
    return out
  })

const asList = (value: string) => Effect.succeed(list(value))
const decodeJobFilters = decodeStrict(JobFilters)
const decodeTaskFilters = decodeStrict(TaskFilters)

export const jobFilters = (params: Params) =>
  collect(params, {
    status: ["status", asList],
    owner: ["user_id", (value) => userId(value, "owner")],
    limit: ["limit", limit]
  }).pipe(Effect.flatMap(decodeJobFilters))

export const taskFilters = (params: Params) =>
  collect(params, {
    status: ["status", asList],
    owner: ["user_id", (value) => userId(value, "owner")],
    assignee: ["assignee_user_id", (value) => userId(value, "assignee")],
    top_level: ["top_level", (value) =>
      value === "true" || value === "false"
        ? Effect.succeed(value === "true")
        : Effect.fail(validation("top_level", "Expected true or false"))],
    limit: ["limit", limit]
  }).pipe(Effect.flatMap(decodeTaskFilters))
