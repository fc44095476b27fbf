/**
 * How a task write records its bus events: drafts (what changed) are stamped with an event id, the time
 * and the actor, encoded as wire JSON (TaskBusEvents: exact 64-bit ids) and appended to the outbox in
 * the caller's transaction. A system change (the cross-service rule) has no actor.
 */
import { randomUUID } from "node:crypto"
import { DateTime, Effect } from "effect"
import type { SqlError } from "effect/sql"
import type { UserId } from "../../contracts/UserId.js"
import { Outbox, type OutboxEvent } from "../outbox/Outbox.js"
import { type TaskBusEvent, TaskBusEvents, taskBusChannel } from "./events.js"
import type { Task, TaskStatus } from "./types.js"

type Stamped = "event_id" | "occurred_at" | "actor_user_id"

/** A bus event without its envelope stamps (one member of the union at a time). */
export type TaskEventDraft = TaskBusEvent extends infer E ? E extends TaskBusEvent ? Omit<E, Stamped> : never : never

type Subject = Pick<Task, "id" | "user_id">

export const statusChanged = (task: Subject, from: TaskStatus, to: TaskStatus): TaskEventDraft => ({
  type: "task.status_changed.v1",
  task_id: task.id,
  user_id: task.user_id,
  from,
  to
})

export const cancelled = (task: Subject, reason: string, cascadedFrom?: string): TaskEventDraft => ({
  type: "task.cancelled.v1",
  task_id: task.id,
  user_id: task.user_id,
  ...(reason.length > 0 ? { reason } : {}),
  ...(cascadedFrom === undefined ? {} : { cascaded_from: cascadedFrom })
})

export const updated = (task: Subject, fields: ReadonlyArray<string>): TaskEventDraft => ({
  type: "task.updated.v1",
  task_id: task.id,
  user_id: task.user_id,
  fields
})

const stamp = (draft: TaskEventDraft, actor: UserId | undefined, at: string): TaskBusEvent => ({
  ...draft,
  event_id: randomUUID(),
  occurred_at: at,
  ...(actor === undefined ? {} : { actor_user_id: actor })
})

/**
 * Appends the events within the caller's transaction. An event that does not encode is a bug in this
 * module (the drafts are typed), so it is a defect rather than an error of the write.
 */
export const appendTaskEvents = (
  actor: UserId | undefined,
  drafts: ReadonlyArray<TaskEventDraft>
): Effect.Effect<void, SqlError.SqlError, Outbox> =>
  Effect.gen(function*() {
    if (drafts.length === 0) return
    const outbox = yield* Outbox
    const at = DateTime.formatIso(yield* DateTime.now)
    const events: Array<OutboxEvent> = []
    for (const draft of drafts) {
      const event = stamp(draft, actor, at)
      const body = yield* TaskBusEvents.encode(event).pipe(Effect.orDie)
      events.push({ eventId: event.event_id, channel: taskBusChannel, type: event.type, body })
    }
    yield* outbox.append(events)
  })
