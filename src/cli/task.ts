/**
 * `effect-jobs task <create|get|list|update|delete|assign|complete|cancel|reopen|subtask|subtasks|link>`:
 * the TaskService from the command line, with the HTTP API's bodies and filters (src/http/api) and its
 * rules (the actor of --token / JOBS_API_TOKEN, or a local admin; see ./serviceCommand.ts).
 */
import { Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { parseUserId } from "../contracts/UserId.js"
import { entityId, taskFilters } from "../http/api/Query.js"
import { TaskList, TaskPage } from "../http/api/Schemas.js"
import type { Actor } from "../services/Actor.js"
import { validation } from "../services/errors.js"
import { TaskService } from "../services/tasks/TaskService.js"
import { Task, TaskCreate, TaskUpdate } from "../services/tasks/types.js"
import { cliServices } from "./cliServices.js"
import { jsonArgument, printResult, resolveActor, tokenFlag } from "./serviceCommand.js"

const idArgument = Argument.String("task-id").pipe(Argument.withDescription("The task's id (a UUID)"))
const jsonArg = (what: string) => Argument.String("json").pipe(Argument.withDescription(what))
const optionalString = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)

const run = <A, E>(token: Option.Option<string>, call: (tasks: TaskService["Service"], actor: Actor) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const actor = yield* resolveActor(token)
    return yield* call(yield* TaskService, actor)
  })

const task = printResult(Task)
const withId = <A, E>(id: string, f: (taskId: string) => Effect.Effect<A, E>) => Effect.flatMap(entityId(id), f)

const create = Command.make("create", { token: tokenFlag, json: jsonArg('The task, as POST /api/v1/tasks takes it: {"title":"...","assignee_user_id":42}') },
  ({ token, json }) => run(token, (tasks, actor) => Effect.flatMap(jsonArgument(TaskCreate, json), (input) => tasks.create(actor, input))).pipe(task, cliServices))

const get = Command.make("get", { token: tokenFlag, id: idArgument }, ({ token, id }) =>
  run(token, (tasks, actor) => withId(id, (taskId) => tasks.get(actor, taskId))).pipe(task, cliServices))

const list = Command.make("list", {
  token: tokenFlag,
  status: optionalString("status", "Comma-separated statuses"),
  owner: optionalString("owner", "Only this owner's tasks (user id)"),
  assignee: optionalString("assignee", "Only tasks assigned to this user id"),
  priority: optionalString("priority", "low | medium | high"),
  parent: optionalString("parent", "Only subtasks of this task"),
  job: optionalString("job", "Only tasks linked to this job"),
  topLevel: Flag.Boolean("top-level").pipe(Flag.withDescription("Only top-level tasks"), Flag.withDefault(false)),
  cursor: optionalString("cursor", "next_cursor of the previous page"),
  limit: optionalString("limit", "Page size, 1..200 (default 50)")
}, ({ token, topLevel, ...rest }) =>
  run(token, (tasks, actor) =>
    taskFilters({
      status: Option.getOrUndefined(rest.status),
      owner: Option.getOrUndefined(rest.owner),
      assignee: Option.getOrUndefined(rest.assignee),
      priority: Option.getOrUndefined(rest.priority),
      parent_id: Option.getOrUndefined(rest.parent),
      job_id: Option.getOrUndefined(rest.job),
      top_level: topLevel ? "true" : undefined,
      cursor: Option.getOrUndefined(rest.cursor),
      limit: Option.getOrUndefined(rest.limit)
    }).pipe(Effect.flatMap((filters) => tasks.list(actor, filters)))).pipe(printResult(TaskPage), cliServices))

const update = Command.make("update", { token: tokenFlag, id: idArgument, json: jsonArg('Fields to change, as PATCH takes them: {"priority":"high"}') },
  ({ token, id, json }) =>
    run(token, (tasks, actor) =>
      withId(id, (taskId) => Effect.flatMap(jsonArgument(TaskUpdate, json), (input) => tasks.update(actor, taskId, input)))
    ).pipe(task, cliServices))

const Deleted = Schema.Struct({ deleted: Schema.String })
const remove = Command.make("delete", { token: tokenFlag, id: idArgument }, ({ token, id }) =>
  run(token, (tasks, actor) => withId(id, (taskId) => tasks.delete(actor, taskId).pipe(Effect.as({ deleted: taskId }))))
    .pipe(printResult(Deleted), cliServices))

const assign = Command.make("assign", { token: tokenFlag, id: idArgument, assignee: Argument.String("user-id").pipe(Argument.withDescription("The assignee's user id")) },
  ({ token, id, assignee }) =>
    run(token, (tasks, actor) =>
      withId(id, (taskId) => {
        const userId = parseUserId(assignee)
        return userId === undefined
          ? Effect.fail(validation("assignee_user_id", "Expected a user id (a signed 64-bit decimal integer)"))
          : tasks.assign(actor, taskId, userId)
      })
    ).pipe(task, cliServices))

const complete = Command.make("complete", {
  token: tokenFlag,
  id: idArgument,
  force: Flag.Boolean("force").pipe(Flag.withDescription("Complete even while subtasks are open"), Flag.withDefault(false))
}, ({ token, id, force }) => run(token, (tasks, actor) => withId(id, (taskId) => tasks.complete(actor, taskId, { force }))).pipe(task, cliServices))

const cancel = Command.make("cancel", { token: tokenFlag, id: idArgument, reason: optionalString("reason", "Why") }, ({ token, id, reason }) =>
  run(token, (tasks, actor) =>
    withId(id, (taskId) => tasks.cancel(actor, taskId, Option.getOrElse(reason, () => "cancelled from the command line")))
  ).pipe(task, cliServices))

const reopen = Command.make("reopen", { token: tokenFlag, id: idArgument }, ({ token, id }) =>
  run(token, (tasks, actor) => withId(id, (taskId) => tasks.reopen(actor, taskId))).pipe(task, cliServices))

const subtask = Command.make("subtask", { token: tokenFlag, id: idArgument, json: jsonArg('The subtask: {"title":"..."}') }, ({ token, id, json }) =>
  run(token, (tasks, actor) =>
    withId(id, (parentId) => Effect.flatMap(jsonArgument(TaskCreate, json), (input) => tasks.createSubtask(actor, parentId, input)))
  ).pipe(task, cliServices))

const subtasks = Command.make("subtasks", { token: tokenFlag, id: idArgument }, ({ token, id }) =>
  run(token, (tasks, actor) => withId(id, (taskId) => tasks.subtasks(actor, taskId)).pipe(Effect.map((items) => ({ items }))))
    .pipe(printResult(TaskList), cliServices))

const link = Command.make("link", {
  token: tokenFlag,
  id: idArgument,
  jobId: Argument.String("job-id").pipe(Argument.withDescription("The job to link (a UUID)")),
  unlink: Flag.Boolean("unlink").pipe(Flag.withDescription("Remove the link instead"), Flag.withDefault(false))
}, ({ token, id, jobId, unlink }) =>
  run(token, (tasks, actor) =>
    withId(id, (taskId) =>
      Effect.flatMap(entityId(jobId, "job_id"), (job) => (unlink ? tasks.unlinkJob(actor, taskId, job) : tasks.linkJob(actor, taskId, job))))
  ).pipe(task, cliServices))

export const taskCommand = Command.make("task").pipe(
  Command.withDescription("Tasks in the system of record (PostgreSQL): subtasks, assignees and links to jobs"),
  Command.withSubcommands([create, get, list, update, remove, assign, complete, cancel, reopen, subtask, subtasks, link])
)
