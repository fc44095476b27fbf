/**
 * Appending a job's bus events to the outbox (inside the caller's transaction): the envelope
 * (`event_id`, `occurred_at`, `actor_user_id`) and the job's identity (`job_id`, `user_id`, `domain`)
 * are filled in here, the body is encoded with `JobBusEvents.encode` (exact 64-bit user ids).
 * `actor` is absent for changes the runtime caused (the run projection) or a cross-service rule.
 */
import { randomUUID } from "node:crypto"
import { Clock, Effect } from "effect"
import type { SqlError } from "effect/sql"
import { formatTimestamp } from "../../contracts/Timestamps.js"
import type { UserId } from "../../contracts/UserId.js"
import { Outbox, type OutboxEvent } from "../outbox/Outbox.js"
import { type JobBusEvent, jobBusChannel, JobBusEvents } from "./events.js"
import type { Job, JobStatus } from "./types.js"

type Filled = "event_id" | "occurred_at" | "actor_user_id" | "job_id" | "user_id" | "domain"
/** What a caller writes of an event: its type and its own fields. */
export type JobEventBody = JobBusEvent extends infer E ? E extends JobBusEvent ? Omit<E, Filled> : never : never

/** `job.status_changed` when the status moved, else nothing. */
export const statusChanged = (from: JobStatus, to: JobStatus): ReadonlyArray<JobEventBody> =>
  from === to ? [] : [{ type: "job.status_changed.v1", from, to }]

export const appendJobEvents = (
  job: Pick<Job, "id" | "user_id" | "domain">,
  actor: UserId | undefined,
  bodies: ReadonlyArray<JobEventBody>
): Effect.Effect<void, SqlError.SqlError, Outbox> =>
  bodies.length === 0 ? Effect.void : Effect.gen(function*() {
    const occurredAt = formatTimestamp(yield* Clock.currentTimeMillis)
    const events = yield* Effect.forEach(bodies, (fields) => {
      const event: JobBusEvent = {
        ...fields,
        event_id: randomUUID(),
        occurred_at: occurredAt,
        ...(actor === undefined ? {} : { actor_user_id: actor }),
        job_id: job.id,
        user_id: job.user_id,
        domain: job.domain
      }
      // The events are built from typed values here: one that does not encode is a bug.
      return JobBusEvents.encode(event).pipe(
        Effect.map((body): OutboxEvent => ({ eventId: event.event_id, channel: jobBusChannel, type: event.type, body })),
        Effect.orDie
      )
    })
    yield* (yield* Outbox).append(events)
  })
