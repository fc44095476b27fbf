/**
 * Seed 003's `OperationResult`, as the error channel of the job and task services: every operation
 * returns `Effect<A, E>` where E is a union of the tagged errors below. Each error has a stable code
 * (seed 002's style: a literal union and a `Record` over it, so a new code without an HTTP status does
 * not compile) and the fields a caller needs to decide, never more.
 *
 * NotFound vs Forbidden (the rule every permission checker follows):
 * - an entity the actor may not SEE answers NotFound, exactly as an id that does not exist. A 403 for
 *   someone else's job would confirm that the id exists, and ids can be probed; a 404 says nothing.
 * - Forbidden is only for an entity the actor already sees, or a request about the actor's own scope
 *   (e.g. a user deleting their own job, which only admins may; a user listing another owner's jobs).
 *   It therefore tells the actor nothing they could not already read.
 */
import { Schema } from "effect"

export const serviceErrorCodes = [
  "NOT_FOUND",
  "FORBIDDEN",
  "INVALID_TRANSITION",
  "CONFLICT",
  "VALIDATION",
  "UNAUTHORIZED"
] as const
export const ServiceErrorCode = Schema.Literals(serviceErrorCodes).annotate({ identifier: "ServiceErrorCode" })
export type ServiceErrorCode = typeof ServiceErrorCode.Type

/** Why each row: 409 for both transition and conflict, since retrying after re-reading the entity can succeed. */
const httpStatus: Readonly<Record<ServiceErrorCode, number>> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  INVALID_TRANSITION: 409,
  CONFLICT: 409,
  VALIDATION: 400,
  UNAUTHORIZED: 401
}

export const httpStatusOfServiceCode = (code: ServiceErrorCode): number => httpStatus[code]

export const Entity = Schema.Literals(["job", "task", "job_run"])
export type Entity = typeof Entity.Type

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  entity: Entity,
  id: Schema.String,
  message: Schema.String
}) {
  get code(): "NOT_FOUND" {
    return "NOT_FOUND"
  }
}

export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  entity: Entity,
  /** Absent for a request about a scope (a listing, a create for another owner) rather than one entity. */
  id: Schema.optionalKey(Schema.String),
  operation: Schema.String,
  message: Schema.String
}) {
  get code(): "FORBIDDEN" {
    return "FORBIDDEN"
  }
}

export class InvalidTransition extends Schema.TaggedError<InvalidTransition>()("InvalidTransition", {
  entity: Entity,
  id: Schema.String,
  from: Schema.String,
  action: Schema.String,
  message: Schema.String
}) {
  get code(): "INVALID_TRANSITION" {
    return "INVALID_TRANSITION"
  }
}

/** Why a valid-looking request clashes with the state of other records; a union, so callers can branch. */
export const ConflictReason = Schema.Literals(["open_subtasks", "already_exists", "concurrent_update"])
export type ConflictReason = typeof ConflictReason.Type

export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  entity: Entity,
  id: Schema.String,
  reason: ConflictReason,
  message: Schema.String
}) {
  get code(): "CONFLICT" {
    return "CONFLICT"
  }
}

export class Validation extends Schema.TaggedError<Validation>()("Validation", {
  /** The offending field as a dotted path (`schedule.cron`), or "body" when the whole input is wrong. */
  field: Schema.String,
  message: Schema.String
}) {
  get code(): "VALIDATION" {
    return "VALIDATION"
  }
}

/** Missing, malformed or unknown bearer token. The message never repeats what was sent. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  reason: Schema.Literals(["missing", "unknown"]),
  message: Schema.String
}) {
  get code(): "UNAUTHORIZED" {
    return "UNAUTHORIZED"
  }
}

export type ServiceError = NotFound | Forbidden | InvalidTransition | Conflict | Validation | Unauthorized

export const httpStatusOf = (error: ServiceError): number => httpStatus[error.code]

export const notFound = (entity: Entity, id: string): NotFound =>
  new NotFound({ entity, id, message: `${entity} ${id} not found` })

export const forbidden = (entity: Entity, operation: string, id?: string): Forbidden =>
  new Forbidden({
    entity,
    operation,
    ...(id === undefined ? {} : { id }),
    message: id === undefined ? `not allowed to ${operation} ${entity}s` : `not allowed to ${operation} ${entity} ${id}`
  })

export const invalidTransition = (entity: Entity, id: string, from: string, action: string, why?: string): InvalidTransition =>
  new InvalidTransition({
    entity,
    id,
    from,
    action,
    message: `cannot ${action} ${entity} ${id}: it is ${from}${why === undefined ? "" : ` (${why})`}`
  })

export const conflict = (entity: Entity, id: string, reason: ConflictReason, message: string): Conflict =>
  new Conflict({ entity, id, reason, message })

export const validation = (field: string, message: string): Validation => new Validation({ field, message })

/** The first issue of a schema error, as a Validation naming its path (`Expected a string at ["name"]`). */
export const validationFromSchemaError = (error: { readonly message: string }): Validation => {
  const text = error.message.replace(/\s*\n\s*/g, " ")
  const path = /at \[([^\]]*)\]/.exec(text)?.[1]
  const field = path === undefined ? "body" : path.split(",").map((part) => part.trim().replace(/^"|"$/g, "")).join(".")
  return validation(field.length === 0 ? "body" : field, text)
}

/**
 * The JSON body an HTTP handler answers with: the code and message plus the error's own fields
 * (entity, id, from, action, field, reason); nothing else is ever added, so nothing else leaks.
 */
export const errorBody = (error: ServiceError): Readonly<Record<string, string>> => {
  const details: Record<string, string> = {}
  for (const [key, value] of Object.entries(error)) {
    if (key !== "_tag" && key !== "message" && typeof value === "string") details[key] = value
  }
  return { code: error.code, message: error.message, ...details }
}
