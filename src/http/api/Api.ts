/**
 * The Job & Task HTTP API (`/api/v1`), declared with effect/http-api so routing and the OpenAPI document
 * come from one definition. Bodies are read and written by ./Wire.ts rather than HttpApi's JSON codec:
 * user ids are 64-bit integers on the wire (JSON numbers, exact past 2^53), which JSON.parse and
 * Schema.BigInt's JSON form (a string) would not keep; the document shows them as `integer/int64`.
 */
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Job, JobCreate, JobSchedule, JobUpdate } from "../../services/jobs/types.js"
import { Task, TaskCreate, TaskUpdate } from "../../services/tasks/types.js"
import { Authentication } from "./Authentication.js"
import {
  AssignBody,
  CancelBody,
  CompleteJobBody,
  CompleteTaskBody,
  entityErrors,
  FailJobBody,
  JobLineage,
  JobList,
  JobPage,
  JobRunList,
  TaskList,
  TaskPage
} from "./Schemas.js"

const Created = <S extends Schema.Top>(schema: S) => schema.pipe(HttpApiSchema.status(201))
const opt = Schema.optional(Schema.String)
const idParams = { id: Schema.String }
const common = { params: idParams, error: entityErrors } as const

const jobQuery = {
  status: opt.annotate({ description: "Comma-separated statuses (pending,scheduled,running,succeeded,failed,cancelled)" }),
  domain: opt,
  owner: opt.annotate({ description: "Owner's user id (decimal); a user sees only their own jobs" }),
  created_from: opt.annotate({ description: "ISO 8601; created_at >= created_from" }),
  created_to: opt.annotate({ description: "ISO 8601; created_at < created_to" }),
  cursor: opt.annotate({ description: "next_cursor of the previous page" }),
  limit: opt.annotate({ description: "1..200, default 50" })
}

export class JobsGroup extends HttpApiGroup.make("jobs")
  .add(HttpApiEndpoint.get("list", "/jobs", { query: jobQuery, success: JobPage, error: entityErrors }))
  .add(HttpApiEndpoint.post("create", "/jobs", { payload: JobCreate, success: Created(Job), error: entityErrors }))
  .add(HttpApiEndpoint.get("pending", "/jobs/pending", { success: JobList, error: entityErrors }))
  .add(HttpApiEndpoint.get("running", "/jobs/running", { success: JobList, error: entityErrors }))
  .add(HttpApiEndpoint.get("get", "/jobs/:id", { ...common, success: Job }))
  .add(HttpApiEndpoint.patch("update", "/jobs/:id", { ...common, payload: JobUpdate, success: Job }))
  .add(HttpApiEndpoint.delete("delete", "/jobs/:id", { ...common, success: HttpApiSchema.NoContent }))
  .add(HttpApiEndpoint.post("schedule", "/jobs/:id/schedule", { ...common, payload: JobSchedule, success: Job }))
  .add(HttpApiEndpoint.post("start", "/jobs/:id/start", { ...common, success: Job }))
  .add(HttpApiEndpoint.post("cancel", "/jobs/:id/cancel", { ...common, payload: CancelBody, success: Job }))
  .add(HttpApiEndpoint.post("complete", "/jobs/:id/complete", { ...common, payload: CompleteJobBody, success: Job }))
  .add(HttpApiEndpoint.post("fail", "/jobs/:id/fail", { ...common, payload: FailJobBody, success: Job }))
  .add(HttpApiEndpoint.get("history", "/jobs/:id/history", { ...common, success: JobRunList }))
  .add(HttpApiEndpoint.get("lineage", "/jobs/:id/lineage", { ...common, success: JobLineage }))
  .middleware(Authentication)
{}

const taskQuery = {
  status: opt.annotate({ description: "Comma-separated statuses (open,in_progress,done,cancelled)" }),
  owner: opt.annotate({ description: "Owner's user id (decimal)" }),
  assignee: opt.annotate({ description: "Assignee's user id (decimal)" }),
  priority: opt.annotate({ description: "low | medium | high" }),
  parent_id: opt,
  top_level: opt.annotate({ description: "true: top-level tasks only" }),
  job_id: opt.annotate({ description: "Tasks linked to this job" }),
  created_from: opt,
  created_to: opt,
  due_before: opt,
  cursor: opt,
  limit: opt
}

const linkParams = { id: Schema.String, jobId: Schema.String }

export class TasksGroup extends HttpApiGroup.make("tasks")
  .add(HttpApiEndpoint.get("list", "/tasks", { query: taskQuery, success: TaskPage, error: entityErrors }))
  .add(HttpApiEndpoint.post("create", "/tasks", { payload: TaskCreate, success: Created(Task), error: entityErrors }))
  .add(HttpApiEndpoint.get("get", "/tasks/:id", { ...common, success: Task }))
  .add(HttpApiEndpoint.patch("update", "/tasks/:id", { ...common, payload: TaskUpdate, success: Task }))
  .add(HttpApiEndpoint.delete("delete", "/tasks/:id", { ...common, success: HttpApiSchema.NoContent }))
  .add(HttpApiEndpoint.post("assign", "/tasks/:id/assign", { ...common, payload: AssignBody, success: Task }))
  .add(HttpApiEndpoint.post("complete", "/tasks/:id/complete", { ...common, payload: CompleteTaskBody, success: Task }))
  .add(HttpApiEndpoint.post("cancel", "/tasks/:id/cancel", { ...common, payload: CancelBody, success: Task }))
  .add(HttpApiEndpoint.post("reopen", "/tasks/:id/reopen", { ...common, success: Task }))
  .add(HttpApiEndpoint.post("createSubtask", "/tasks/:id/subtasks", { ...common, payload: TaskCreate, success: Created(Task) }))
  .add(HttpApiEndpoint.get("subtasks", "/tasks/:id/subtasks", { ...common, success: TaskList }))
  .add(HttpApiEndpoint.put("linkJob", "/tasks/:id/jobs/:jobId", { params: linkParams, error: entityErrors, success: Task }))
  .add(HttpApiEndpoint.delete("unlinkJob", "/tasks/:id/jobs/:jobId", { params: linkParams, error: entityErrors, success: Task }))
  .middleware(Authentication)
{}

export class JobsApi extends HttpApi.make("effect-jobs")
  .add(JobsGroup)
  .add(TasksGroup)
  .prefix("/api/v1")
  .annotateMerge(OpenApi.annotations({
    title: "effect-jobs: jobs and tasks",
    version: "1",
    description: "The Job & Task services over HTTP. Every route needs `Authorization: Bearer <token>` " +
      "(JOBS_API_TOKENS, or DASHBOARD_TOKEN as an operator). user ids are 64-bit JSON integers."
  }))
{}
