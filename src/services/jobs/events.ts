/**
 * JobService's MessageBus events (seed 003): `job.{created|updated|deleted|status_changed|scheduled|
 * started|succeeded|failed|cancelled}.v1` on `jobs:bus`, published from the outbox after the transaction
 * commits. Each names the job, its owner (`user_id`) and domain; the rest is what changed, not a snapshot
 * (a consumer that needs the whole job reads it through the service, with its own permissions).
 * JSON Schemas: `schemas/events/bus.job.*.v1.json`.
 */
import { Schema } from "effect"
import { JobDomain } from "../../contracts/JobDomain.js"
import type { EventContract } from "../../contracts/EventContract.js"
import { IsoTimestamp, NonEmptyString } from "../../contracts/WireFields.js"
import { UserId } from "../../contracts/UserId.js"
import { busContract, busFamily, envelopeFields } from "../BusEvent.js"
import { Priority } from "../fields.js"
import { JobStatus } from "./types.js"

export const jobBusChannel = "jobs:bus"

const jobFields = <T extends string>(type: T) => ({
  ...envelopeFields(type),
  job_id: Schema.String,
  user_id: UserId,
  domain: JobDomain
})

export const JobCreatedV1 = Schema.Struct({
  ...jobFields("job.created.v1"),
  name: Schema.String,
  status: JobStatus,
  priority: Priority
}).annotate({ identifier: "JobCreatedV1", description: "A job was created." })

export const JobUpdatedV1 = Schema.Struct({
  ...jobFields("job.updated.v1"),
  /** Names of the fields that changed (values are read through the service). */
  fields: Schema.Array(Schema.String)
}).annotate({ identifier: "JobUpdatedV1", description: "Fields of a job changed." })

export const JobDeletedV1 = Schema.Struct(jobFields("job.deleted.v1"))
  .annotate({ identifier: "JobDeletedV1", description: "A job was deleted." })

export const JobStatusChangedV1 = Schema.Struct({
  ...jobFields("job.status_changed.v1"),
  from: JobStatus,
  to: JobStatus
}).annotate({ identifier: "JobStatusChangedV1", description: "A job's status changed." })

export const JobScheduledV1 = Schema.Struct({
  ...jobFields("job.scheduled.v1"),
  schedule_kind: Schema.Literals(["at", "cron"]),
  run_at: Schema.optionalKey(IsoTimestamp),
  cron: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "JobScheduledV1", description: "A job got a schedule (run at a time, or cron)." })

export const JobStartedV1 = Schema.Struct({
  ...jobFields("job.started.v1"),
  runtime_job_id: NonEmptyString
}).annotate({ identifier: "JobStartedV1", description: "A run of the job was enqueued in the runtime." })

export const JobSucceededV1 = Schema.Struct({
  ...jobFields("job.succeeded.v1"),
  result: Schema.optionalKey(Schema.Json)
}).annotate({ identifier: "JobSucceededV1", description: "A job succeeded." })

export const JobFailedV1 = Schema.Struct({
  ...jobFields("job.failed.v1"),
  error: Schema.String
}).annotate({ identifier: "JobFailedV1", description: "A job failed (its last attempt)." })

export const JobCancelledV1 = Schema.Struct({
  ...jobFields("job.cancelled.v1"),
  reason: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "JobCancelledV1", description: "A job was cancelled." })

export type JobBusEvent =
  | typeof JobCreatedV1.Type
  | typeof JobUpdatedV1.Type
  | typeof JobDeletedV1.Type
  | typeof JobStatusChangedV1.Type
  | typeof JobScheduledV1.Type
  | typeof JobStartedV1.Type
  | typeof JobSucceededV1.Type
  | typeof JobFailedV1.Type
  | typeof JobCancelledV1.Type

export const jobBusContracts: ReadonlyArray<EventContract<JobBusEvent>> = [
  busContract("job.created.v1", JobCreatedV1, "JobCreatedV1"),
  busContract("job.updated.v1", JobUpdatedV1, "JobUpdatedV1"),
  busContract("job.deleted.v1", JobDeletedV1, "JobDeletedV1"),
  busContract("job.status_changed.v1", JobStatusChangedV1, "JobStatusChangedV1"),
  busContract("job.scheduled.v1", JobScheduledV1, "JobScheduledV1"),
  busContract("job.started.v1", JobStartedV1, "JobStartedV1"),
  busContract("job.succeeded.v1", JobSucceededV1, "JobSucceededV1"),
  busContract("job.failed.v1", JobFailedV1, "JobFailedV1"),
  busContract("job.cancelled.v1", JobCancelledV1, "JobCancelledV1")
]

/** `JobBusEvents.encode(event)` -> wire JSON; `JobBusEvents.decode(text)` -> the event, exact user ids. */
export const JobBusEvents = busFamily("JobBusEvent", jobBusContracts)
