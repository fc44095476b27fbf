/**
 * The HTTP API's own shapes around the services' types (src/services/{jobs,tasks}/types.ts): pages,
 * action bodies and the error body. Every error answers `errorBody(error)` of src/services/errors.ts:
 * `{ code, message, ...the error's own fields }`, with the status `httpStatusOf` gives.
 */
import { Schema } from "effect"
import { UserId } from "../../contracts/UserId.js"
import { Job, JobRun } from "../../services/jobs/types.js"
import type { LineageNode as LineageNodeType } from "../../telemetry/Lineage.js"
import { Task } from "../../services/tasks/types.js"

const Reason = Schema.String.check(Schema.isMaxLength(1000, { message: "Expected at most 1000 characters" }))

export const JobPage = Schema.Struct({ items: Schema.Array(Job), next_cursor: Schema.NullOr(Schema.String) }).annotate({
  identifier: "JobPage"
})
export const JobList = Schema.Struct({ items: Schema.Array(Job) }).annotate({ identifier: "JobList" })
export const JobRunList = Schema.Struct({ items: Schema.Array(JobRun) }).annotate({ identifier: "JobRunList" })

/** A node of a job's lineage (src/telemetry/Lineage.ts): a runtime job and the jobs it enqueued. */
export const LineageNode: Schema.Codec<LineageNodeType> = Schema.Struct({
  job_id: Schema.String,
  parent_job_id: Schema.NullOr(Schema.String),
  domain: Schema.String,
  task: Schema.String,
  correlation_id: Schema.NullOr(Schema.String),
  status: Schema.Literals(["running", "retrying", "completed", "failed"]),
  updated_at: Schema.String,
  children: Schema.Array(Schema.suspend((): Schema.Codec<LineageNodeType> => LineageNode))
}).annotate({ identifier: "LineageNode" })
export const JobLineage = Schema.Struct({ job_id: Schema.String, runtime_jobs: Schema.Array(LineageNode) }).annotate({
  identifier: "JobLineage"
})
export const TaskPage = Schema.Struct({ items: Schema.Array(Task), next_cursor: Schema.NullOr(Schema.String) }).annotate({
  identifier: "TaskPage"
})
export const TaskList = Schema.Struct({ items: Schema.Array(Task) }).annotate({ identifier: "TaskList" })

export const CancelBody = Schema.Struct({ reason: Schema.optionalKey(Reason) }).annotate({ identifier: "CancelBody" })
export const CompleteJobBody = Schema.Struct({
  result_id: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(200))),
  result_bytes: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
}).annotate({ identifier: "CompleteJobBody" })
export const FailJobBody = Schema.Struct({
  error: Reason.check(Schema.isMinLength(1, { message: "Expected a non-empty string" }))
}).annotate({ identifier: "FailJobBody" })
export const AssignBody = Schema.Struct({ assignee_user_id: UserId }).annotate({ identifier: "AssignBody" })
export const CompleteTaskBody = Schema.Struct({ force: Schema.optionalKey(Schema.Boolean) }).annotate({
  identifier: "CompleteTaskBody"
})

/**
 * The error body; `status` is where the OpenAPI document lists it. Each status has its own codes, so
 * the schemas are told apart (and a client can branch on `code`).
 */
const errorBody = <const Codes extends ReadonlyArray<string>>(identifier: string, status: number, codes: Codes) =>
  Schema.Struct({
    code: Schema.Literals(codes),
    message: Schema.String,
    entity: Schema.optionalKey(Schema.String),
    id: Schema.optionalKey(Schema.String),
    operation: Schema.optionalKey(Schema.String),
    from: Schema.optionalKey(Schema.String),
    action: Schema.optionalKey(Schema.String),
    field: Schema.optionalKey(Schema.String),
    reason: Schema.optionalKey(Schema.String)
  }).annotate({ identifier, httpApiStatus: status })

export const BadRequest = errorBody("BadRequest", 400, ["VALIDATION"])
export const Unauthorized = errorBody("Unauthorized", 401, ["UNAUTHORIZED"])
export const Forbidden = errorBody("Forbidden", 403, ["FORBIDDEN"])
export const NotFound = errorBody("NotFound", 404, ["NOT_FOUND"])
export const Conflict = errorBody("Conflict", 409, ["INVALID_TRANSITION", "CONFLICT"])
export const PayloadTooLarge = errorBody("PayloadTooLarge", 413, ["PAYLOAD_TOO_LARGE"])
export type UnauthorizedBody = typeof Unauthorized.Type

/** The errors every entity route can answer besides 401 (which the authentication middleware declares). */
export const entityErrors = [BadRequest, Forbidden, NotFound, Conflict, PayloadTooLarge] as const
