/**
 * The cross-service subscriptions (src/services/README.md "Cross-service rules"), each a consumer group
 * on the other service's bus log (see ./BusConsumer.ts for the delivery guarantees):
 * - group `task-service` on `jobs:bus`: `job.status_changed` moves the linked tasks (onJobStatusChanged);
 * - group `job-service` on `tasks:bus`: `task.cancelled` cancels the linked jobs that have not started
 *   (onTaskCancelled).
 * Both handlers read state from the database and are idempotent, so a redelivery changes nothing; a
 * SqlError fails the handler and the entry is retried.
 */
import { Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import type { RedisClient } from "../../redis/RedisClient.js"
import { type JobBusEvent, JobBusEvents, jobBusChannel } from "../jobs/events.js"
import { onTaskBusEvent, type TaskCancelledServices } from "../jobs/TaskCancelled.js"
import { taskBusChannel, TaskBusEvents } from "../tasks/events.js"
import { onJobStatusChanged } from "../tasks/onJobStatusChanged.js"
import type { TaskRepository } from "../tasks/TaskRepository.js"
import type { Outbox } from "./Outbox.js"
import * as BusConsumer from "./BusConsumer.js"

export const taskServiceGroup = "task-service"
export const jobServiceGroup = "job-service"

const onJobBusEvent = (event: JobBusEvent) =>
  event.type === "job.status_changed.v1" ? Effect.asVoid(onJobStatusChanged(event)) : Effect.void

/** TaskService's subscription to jobs:bus. */
export const runTaskSubscription = BusConsumer.run({
  channel: jobBusChannel,
  group: taskServiceGroup,
  decode: JobBusEvents.decode,
  handle: onJobBusEvent
})

/** JobService's subscription to tasks:bus. */
export const runJobSubscription = BusConsumer.run({
  channel: taskBusChannel,
  group: jobServiceGroup,
  decode: TaskBusEvents.decode,
  handle: onTaskBusEvent
})

export type BusSubscriptionServices = RedisClient | SqlClient.SqlClient | TaskRepository | Outbox | TaskCancelledServices

/** Both subscriptions, for the lifetime of the layer. */
export const layer: Layer.Layer<never, never, BusSubscriptionServices> = Layer.effectDiscard(
  Effect.all([runTaskSubscription, runJobSubscription], { discard: true })
)
