/**
 * `effect-jobs job <create|get|list|update|delete|schedule|start|cancel|complete|fail|history>`: the
 * JobService from the command line, with the HTTP API's bodies and filters (src/http/api) and its
 * rules (the actor of --token / JOBS_API_TOKEN, or a local admin; see ./serviceCommand.ts).
 */
import { Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { Actor } from "../services/Actor.js"
import { JobService } from "../services/jobs/JobService.js"
import { Job, JobCreate, JobSchedule, JobUpdate } from "../services/jobs/types.js"
import { entityId, jobFilters } from "../http/api/Query.js"
import { JobPage, JobRunList } from "../http/api/Schemas.js"
import { cliServices } from "./cliServices.js"
import { jsonArgument, printResult, resolveActor, tokenFlag } from "./serviceCommand.js"

const idArgument = Argument.String("job-id").pipe(Argument.withDescription("The job's id (a UUID)"))
const jsonArg = (what: string) => Argument.String("json").pipe(Argument.withDescription(what))
const optionalString = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)

/** One subcommand: resolve the actor, call the service with it. */
const run = <A, E>(token: Option.Option<string>, call: (jobs: JobService["Service"], actor: Actor) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const actor = yield* resolveActor(token)
    return yield* call(yield* JobService, actor)
  })

const job = printResult(Job)

const create = Command.make("create", { token: tokenFlag, json: jsonArg('The job, as POST /api/v1/jobs takes it: {"domain":"qr","name":"...","payload":{...}}') },
  ({ token, json }) => run(token, (jobs, actor) => Effect.flatMap(jsonArgument(JobCreate, json), (input) => jobs.create(actor, input))).pipe(job, cliServices))

const get = Command.make("get", { token: tokenFlag, id: idArgument }, ({ token, id }) =>
  run(token, (jobs, actor) => Effect.flatMap(entityId(id), (jobId) => jobs.get(actor, jobId))).pipe(job, cliServices))

const list = Command.make("list", {
  token: tokenFlag,
  status: optionalString("status", "Comma-separated statuses"),
  domain: optionalString("domain", "Only this domain"),
  owner: optionalString("owner", "Only this owner's jobs (user id)"),
  from: optionalString("from", "Created at or after (ISO 8601)"),
  to: optionalString("to", "Created before (ISO 8601)"),
  cursor: optionalString("cursor", "next_cursor of the previous page"),
  limit: optionalString("limit", "Page size, 1..200 (default 50)")
}, ({ token, from, to, ...rest }) =>
  run(token, (jobs, actor) =>
    jobFilters({
      status: Option.getOrUndefined(rest.status),
      domain: Option.getOrUndefined(rest.domain),
      owner: Option.getOrUndefined(rest.owner),
      created_from: Option.getOrUndefined(from),
      created_to: Option.getOrUndefined(to),
      cursor: Option.getOrUndefined(rest.cursor),
      limit: Option.getOrUndefined(rest.limit)
    }).pipe(Effect.flatMap((filters) => jobs.list(actor, filters)))).pipe(printResult(JobPage), cliServices))

const update = Command.make("update", { token: tokenFlag, id: idArgument, json: jsonArg('Fields to change, as PATCH takes them: {"priority":"high"}') },
  ({ token, id, json }) =>
    run(token, (jobs, actor) =>
      Effect.all([entityId(id), jsonArgument(JobUpdate, json)]).pipe(Effect.flatMap(([jobId, input]) => jobs.update(actor, jobId, input)))
    ).pipe(job, cliServices))

const remove = Command.make("delete", { token: tokenFlag, id: idArgument }, ({ token, id }) =>
  run(token, (jobs, actor) =>
    Effect.flatMap(entityId(id), (jobId) => jobs.delete(actor, jobId).pipe(Effect.as({ deleted: jobId }))))
    .pipe(printResult(Schema.Struct({ deleted: Schema.String })), cliServices))

const schedule = Command.make("schedule", {
  token: tokenFlag,
  id: idArgument,
  json: jsonArg('{"kind":"at","run_at":"2030-01-01T00:00:00Z"} or {"kind":"cron","cron":"0 3 * * *","timezone":"Europe/Berlin"}')
}, ({ token, id, json }) =>
  run(token, (jobs, actor) =>
    Effect.all([entityId(id), jsonArgument(JobSchedule, json)]).pipe(Effect.flatMap(([jobId, at]) => jobs.schedule(actor, jobId, at)))
  ).pipe(job, cliServices))

const start = Command.make("start", { token: tokenFlag, id: idArgument }, ({ token, id }) =>
  run(token, (jobs, actor) => Effect.flatMap(entityId(id), (jobId) => jobs.start(actor, jobId))).pipe(job, cliServices))

const cancel = Command.make("cancel", { token: tokenFlag, id: idArgument, reason: optionalString("reason", "Why (kept in the job's events)") },
  ({ token, id, reason }) =>
    run(token, (jobs, actor) =>
      Effect.flatMap(entityId(id), (jobId) => jobs.cancel(actor, jobId, Option.getOrElse(reason, () => "cancelled from the command line")))
    ).pipe(job, cliServices))

const complete = Command.make("complete", {
  token: tokenFlag,
  id: idArgument,
  resultId: optionalString("result-id", "The result's id, for a job run outside the runtime"),
  resultBytes: Flag.Int("result-bytes").pipe(Flag.withDescription("The result's size in bytes"), Flag.optional)
}, ({ token, id, resultId, resultBytes }) =>
  run(token, (jobs, actor) =>
    Effect.flatMap(entityId(id), (jobId) =>
      jobs.complete(actor, jobId, {
        ...(Option.isSome(resultId) ? { result_id: resultId.value } : {}),
        ...(Option.isSome(resultBytes) ? { result_bytes: resultBytes.value } : {})
      }))
  ).pipe(job, cliServices))

const fail = Command.make("fail", { token: tokenFlag, id: idArgument, error: Flag.String("error").pipe(Flag.withDescription("What went wrong")) },
  ({ token, id, error }) =>
    run(token, (jobs, actor) => Effect.flatMap(entityId(id), (jobId) => jobs.fail(actor, jobId, error))).pipe(job, cliServices))

const history = Command.make("history", { token: tokenFlag, id: idArgument }, ({ token, id }) =>
  run(token, (jobs, actor) =>
    Effect.flatMap(entityId(id), (jobId) => jobs.history(actor, jobId)).pipe(Effect.map((items) => ({ items })))
  ).pipe(printResult(JobRunList), cliServices))

export const jobCommand = Command.make("job").pipe(
  Command.withDescription("Jobs in the system of record (PostgreSQL): create, read, change and run them as a user or admin"),
  Command.withSubcommands([create, get, list, update, remove, schedule, start, cancel, complete, fail, history])
)
