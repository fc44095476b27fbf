/**
 * Who may do what to a job (seed 003, `jobs/permissions.py`): pure rules behind a service, so the
 * JobService asks one place and a test can swap it.
 *
 * - a user sees and changes only the jobs they own; operators see and change every job;
 * - only admins delete (a user deleting their own job, or an operator any job, gets Forbidden);
 * - a job the actor may not see answers NotFound, exactly as a missing id (see ../errors.ts);
 * - a listing is narrowed to what the actor sees (`visible_to`), never refused: asking for another
 *   owner's jobs returns none, which says nothing about whether they exist.
 */
import { Context, Effect, Layer } from "effect"
import type { UserId } from "../../contracts/UserId.js"
import { type Actor, isAdmin, isOperator } from "../Actor.js"
import { forbidden, type Forbidden, notFound, type NotFound } from "../errors.js"
import type { Job, JobFilters } from "./types.js"

export const jobOperations = [
  "view",
  "history",
  "update",
  "schedule",
  "start",
  "cancel",
  "complete",
  "fail",
  "link_task",
  "delete"
] as const
export type JobOperation = (typeof jobOperations)[number]

export type Decision = "allow" | "not_found" | "forbidden"

type JobOwner = Pick<Job, "id" | "user_id">

/** The rule itself, for tests and for callers that only need a yes/no. */
export const decideJob = (actor: Actor, operation: JobOperation, job: JobOwner): Decision => {
  if (!isOperator(actor) && job.user_id !== actor.userId) return "not_found"
  if (operation === "delete" && !isAdmin(actor)) return "forbidden"
  return "allow"
}

/** Filters as the repository runs them: `visible_to` (when set) keeps only jobs that user owns. */
export type JobQuery = JobFilters & { readonly visible_to?: UserId }

export class JobPermissions extends Context.Service<JobPermissions, {
  readonly canView: (actor: Actor, job: JobOwner) => boolean
  /** Succeeds when allowed; NotFound for a job the actor may not see, Forbidden for one they see. */
  readonly check: (actor: Actor, operation: JobOperation, job: JobOwner) => Effect.Effect<void, NotFound | Forbidden>
  /** The owner of a job the actor creates: themselves, or (operators and admins) the one they name. */
  readonly ownerForCreate: (actor: Actor, requested: UserId | undefined) => Effect.Effect<UserId, Forbidden>
  readonly scopeFilters: (actor: Actor, filters: JobFilters) => JobQuery
}>()("jobs/services/JobPermissions") {
  static readonly make = JobPermissions.of({
    canView: (actor, job) => decideJob(actor, "view", job) !== "not_found",
    check: (actor, operation, job) => {
      const decision = decideJob(actor, operation, job)
      return decision === "allow"
        ? Effect.void
        : decision === "not_found"
        ? Effect.fail(notFound("job", job.id))
        : Effect.fail(forbidden("job", operation, job.id))
    },
    ownerForCreate: (actor, requested) =>
      requested === undefined || requested === actor.userId
        ? Effect.succeed(actor.userId)
        : isOperator(actor)
        ? Effect.succeed(requested)
        : Effect.fail(forbidden("job", "create for another user")),
    scopeFilters: (actor, filters) => (isOperator(actor) ? filters : { ...filters, visible_to: actor.userId })
  })

  static readonly layer = Layer.succeed(JobPermissions, JobPermissions.make)
}
