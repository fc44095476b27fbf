/** The `tasks` group's handlers: path, query and body in (./Query.ts, ./Wire.ts), TaskService out. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { TaskService } from "../../services/tasks/TaskService.js"
import { Task, TaskCreate, TaskUpdate } from "../../services/tasks/types.js"
import { JobsApi } from "./Api.js"
import { CurrentActor } from "./Authentication.js"
import { entityId, taskFilters } from "./Query.js"
import { AssignBody, CancelBody, CompleteTaskBody, TaskList, TaskPage } from "./Schemas.js"
import { readBody, respondNoContent, respondWith } from "./Wire.js"

const readCreate = readBody(TaskCreate)
const readUpdate = readBody(TaskUpdate)
const readAssign = readBody(AssignBody)
const readComplete = readBody(CompleteTaskBody)
const readCancel = readBody(CancelBody)

const task = respondWith(Task)

export const tasksGroupLive = (maxBodyBytes: number) =>
  HttpApiBuilder.group(JobsApi, "tasks", (handlers) =>
    Effect.gen(function*() {
      const tasks = yield* TaskService
      return handlers
        .handleRaw("list", ({ query }) =>
          Effect.gen(function*() {
            const actor = yield* CurrentActor
            return yield* tasks.list(actor, yield* taskFilters(query))
          }).pipe(respondWith(TaskPage)))
        .handleRaw("create", ({ request }) =>
          Effect.gen(function*() {
            const input = yield* readCreate(request, maxBodyBytes)
            return yield* tasks.create(yield* CurrentActor, input)
          }).pipe(respondWith(Task, 201)))
        .handleRaw("get", ({ params }) =>
          Effect.gen(function*() {
            return yield* tasks.get(yield* CurrentActor, yield* entityId(params.id))
          }).pipe(task))
        .handleRaw("update", ({ params, request }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const input = yield* readUpdate(request, maxBodyBytes)
            return yield* tasks.update(yield* CurrentActor, id, input)
          }).pipe(task))
        .handleRaw("delete", ({ params }) =>
          Effect.gen(function*() {
            return yield* tasks.delete(yield* CurrentActor, yield* entityId(params.id))
          }).pipe(respondNoContent))
        .handleRaw("assign", ({ params, request }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const body = yield* readAssign(request, maxBodyBytes)
            return yield* tasks.assign(yield* CurrentActor, id, body.assignee_user_id)
          }).pipe(task))
        .handleRaw("complete", ({ params, request }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const body = yield* readComplete(request, maxBodyBytes)
            return yield* tasks.complete(yield* CurrentActor, id, body.force === undefined ? {} : { force: body.force })
          }).pipe(task))
        .handleRaw("cancel", ({ params, request }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const body = yield* readCancel(request, maxBodyBytes)
            return yield* tasks.cancel(yield* CurrentActor, id, body.reason ?? "cancelled over the API")
          }).pipe(task))
        .handleRaw("reopen", ({ params }) =>
          Effect.gen(function*() {
            return yield* tasks.reopen(yield* CurrentActor, yield* entityId(params.id))
          }).pipe(task))
        .handleRaw("createSubtask", ({ params, request }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const input = yield* readCreate(request, maxBodyBytes)
            return yield* tasks.createSubtask(yield* CurrentActor, id, input)
          }).pipe(respondWith(Task, 201)))
        .handleRaw("subtasks", ({ params }) =>
          Effect.gen(function*() {
            return { items: yield* tasks.subtasks(yield* CurrentActor, yield* entityId(params.id)) }
          }).pipe(respondWith(TaskList)))
        .handleRaw("linkJob", ({ params }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const jobId = yield* entityId(params.jobId, "jobId")
            return yield* tasks.linkJob(yield* CurrentActor, id, jobId)
          }).pipe(task))
        .handleRaw("unlinkJob", ({ params }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const jobId = yield* entityId(params.jobId, "jobId")
            return yield* tasks.unlinkJob(yield* CurrentActor, id, jobId)
          }).pipe(task))
    }))
