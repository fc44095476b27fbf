/**
 * TaskService's MessageBus events (seed 003): `task.{created|updated|deleted|status_changed|assigned|
 * completed|cancelled}.v1` on `tasks:bus`, published from the outbox after the transaction commits. Each
 * names the task and its owner (`user_id`); the rest is what changed, not a snapshot.
 * JSON Schemas: `schemas/events/bus.task.*.v1.json`.
 */
import { Schema } from "effect"
import type { EventContract } from "../../contracts/EventContract.js"
import { UserId } from "../../contracts/UserId.js"
import { busContract, busFamily, envelopeFields } from "../BusEvent.js"
import { Priority } from "../fields.js"
import { TaskStatus } from "./types.js"

export const taskBusChannel = "tasks:bus"

const taskFields = <T extends string>(type: T) => ({
  ...envelopeFields(type),
  task_id: Schema.String,
  user_id: UserId
})

export const TaskCreatedV1 = Schema.Struct({
  ...taskFields("task.created.v1"),
  title: Schema.String,
  status: TaskStatus,
  priority: Priority,
  parent_id: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "TaskCreatedV1", description: "A task (or a subtask, with parent_id) was created." })

export const TaskUpdatedV1 = Schema.Struct({
  ...taskFields("task.updated.v1"),
  fields: Schema.Array(Schema.String)
}).annotate({ identifier: "TaskUpdatedV1", description: "Fields of a task changed." })

export const TaskDeletedV1 = Schema.Struct(taskFields("task.deleted.v1"))
  .annotate({ identifier: "TaskDeletedV1", description: "A task was deleted." })

export const TaskStatusChangedV1 = Schema.Struct({
  ...taskFields("task.status_changed.v1"),
  from: TaskStatus,
  to: TaskStatus
}).annotate({ identifier: "TaskStatusChangedV1", description: "A task's status changed." })

export const TaskAssignedV1 = Schema.Struct({
  ...taskFields("task.assigned.v1"),
  /** Absent when the task was unassigned. */
  assignee_user_id: Schema.optionalKey(UserId)
}).annotate({ identifier: "TaskAssignedV1", description: "A task was assigned (or unassigned)." })

export const TaskCompletedV1 = Schema.Struct({
  ...taskFields("task.completed.v1"),
  /** True when completed over open subtasks. */
  forced: Schema.Boolean
}).annotate({ identifier: "TaskCompletedV1", description: "A task was completed." })

export const TaskCancelledV1 = Schema.Struct({
  ...taskFields("task.cancelled.v1"),
  reason: Schema.optionalKey(Schema.String),
  /** Set on subtasks cancelled by the cascade from their ancestor. */
  cascaded_from: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "TaskCancelledV1", description: "A task was cancelled." })

export type TaskBusEvent =
  | typeof TaskCreatedV1.Type
  | typeof TaskUpdatedV1.Type
  | typeof TaskDeletedV1.Type
  | typeof TaskStatusChangedV1.Type
  | typeof TaskAssignedV1.Type
  | typeof TaskCompletedV1.Type
  | typeof TaskCancelledV1.Type

export const taskBusContracts: ReadonlyArray<EventContract<TaskBusEvent>> = [
  busContract("task.created.v1", TaskCreatedV1, "TaskCreatedV1"),
  busContract("task.updated.v1", TaskUpdatedV1, "TaskUpdatedV1"),
  busContract("task.deleted.v1", TaskDeletedV1, "TaskDeletedV1"),
  busContract("task.status_changed.v1", TaskStatusChangedV1, "TaskStatusChangedV1"),
  busContract("task.assigned.v1", TaskAssignedV1, "TaskAssignedV1"),
  busContract("task.completed.v1", TaskCompletedV1, "TaskCompletedV1"),
  busContract("task.cancelled.v1", TaskCancelledV1, "TaskCancelledV1")
]

/** `TaskBusEvents.encode(event)` -> wire JSON; `TaskBusEvents.decode(text)` -> the event, exact user ids. */
export const TaskBusEvents = busFamily("TaskBusEvent", taskBusContracts)
