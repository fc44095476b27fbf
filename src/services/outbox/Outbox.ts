/**
 * The transactional outbox: a service write appends its bus events with `append` inside its own SQL
 * transaction, so an event exists exactly when its change committed. The publisher (./OutboxPublisher.ts)
 * moves committed rows to Redis: XADD to `{jobs,tasks}:bus:log` (durable, for consumers that were away),
 * PUBLISH on `jobs:bus` / `tasks:bus`, then marks them published. A crash between commit and publish
 * leaves rows unpublished, and they go out on restart: at least once, `event_id` de-duplicates.
 */
import { Context, type Effect } from "effect"
import type { SqlError } from "effect/sql"

export type BusChannel = "jobs:bus" | "tasks:bus"

/** An encoded bus event (JobBusEvents/TaskBusEvents.encode gives the body with exact 64-bit ids). */
export interface OutboxEvent {
  readonly eventId: string
  readonly channel: BusChannel
  readonly type: string
  readonly body: string
}

export class Outbox extends Context.Service<Outbox, {
  /** Appends within the caller's transaction (run it inside `sql.withTransaction`). */
  readonly append: (events: ReadonlyArray<OutboxEvent>) => Effect.Effect<void, SqlError.SqlError>
}>()("jobs/services/Outbox") {}
