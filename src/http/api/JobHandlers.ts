/** The `jobs` group's handlers: path, query and body in (./Query.ts, ./Wire.ts), JobService out. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { JobService } from "../../services/jobs/JobService.js"
import { Job, JobCreate, JobSchedule, JobUpdate } from "../../services/jobs/types.js"
import { JobsApi } from "./Api.js"
import { CurrentActor } from "./Authentication.js"
import { jobFilters, entityId } from "./Query.js"
import { CancelBody, CompleteJobBody, FailJobBody, JobLineage, JobList, JobPage, JobRunList } from "./Schemas.js"
import { readBody, respondNoContent, respondWith } from "./Wire.js"

const readCreate = readBody(JobCreate)
const readUpdate = readBody(JobUpdate)
const readSchedule = readBody(JobSchedule)
const readCancel = readBody(CancelBody)
const readComplete = readBody(CompleteJobBody)
const readFail = readBody(FailJobBody)

const job = respondWith(Job)

export const jobsGroupLive = (maxBodyBytes: number) =>
  HttpApiBuilder.group(JobsApi, "jobs", (handlers) =>
    Effect.gen(function*() {
      const jobs = yield* JobService
      return handlers
        .handleRaw("list", ({ query }) =>
          Effect.gen(function*() {
            const actor = yield* CurrentActor
            const filters = yield* jobFilters(query)
            return yield* jobs.list(actor, filters)
          }).pipe(respondWith(JobPage)))
        .handleRaw("create", ({ request }) =>
          Effect.gen(function*() {
            const input = yield* readCreate(request, maxBodyBytes)
            return yield* jobs.create(yield* CurrentActor, input)
          }).pipe(respondWith(Job, 201)))
        .handleRaw("pending", () =>
          Effect.gen(function*() {
            return { items: yield* jobs.pending(yield* CurrentActor) }
          }).pipe(respondWith(JobList)))
        .handleRaw("running", () =>
          Effect.gen(function*() {
            return { items: yield* jobs.running(yield* CurrentActor) }
          }).pipe(respondWith(JobList)))
        .handleRaw("get", ({ params }) =>
          Effect.gen(function*() {
            return yield* jobs.get(yield* CurrentActor, yield* entityId(params.id))
          }).pipe(job))
        .handleRaw("update", ({ params, request }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const input = yield* readUpdate(request, maxBodyBytes)
            return yield* jobs.update(yield* CurrentActor, id, input)
          }).pipe(job))
        .handleRaw("delete", ({ params }) =>
          Effect.gen(function*() {
            return yield* jobs.delete(yield* CurrentActor, yield* entityId(params.id))
          }).pipe(respondNoContent))
        .handleRaw("schedule", ({ params, request }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const schedule = yield* readSchedule(request, maxBodyBytes)
            return yield* jobs.schedule(yield* CurrentActor, id, schedule)
          }).pipe(job))
        .handleRaw("start", ({ params }) =>
          Effect.gen(function*() {
            return yield* jobs.start(yield* CurrentActor, yield* entityId(params.id))
          }).pipe(job))
        .handleRaw("cancel", ({ params, request }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const body = yield* readCancel(request, maxBodyBytes)
            return yield* jobs.cancel(yield* CurrentActor, id, body.reason ?? "cancelled over the API")
          }).pipe(job))
        .handleRaw("complete", ({ params, request }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const body = yield* readComplete(request, maxBodyBytes)
            return yield* jobs.complete(yield* CurrentActor, id, body)
          }).pipe(job))
        .handleRaw("fail", ({ params, request }) =>
          Effect.gen(function*() {
            const id = yield* entityId(params.id)
            const body = yield* readFail(request, maxBodyBytes)
            return yield* jobs.fail(yield* CurrentActor, id, body.error)
          }).pipe(job))
        .handleRaw("history", ({ params }) =>
          Effect.gen(function*() {
            const items = yield* jobs.history(yield* CurrentActor, yield* entityId(params.id))
            return { items }
          }).pipe(respondWith(JobRunList)))
        .handleRaw("lineage", ({ params }) =>
          Effect.gen(function*() {
            return yield* jobs.lineage(yield* CurrentActor, yield* entityId(params.id))
          }).pipe(respondWith(JobLineage)))
    }))
