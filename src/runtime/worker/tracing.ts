/**
 * Spans of job attempts. Each attempt runs in a `job.attempt` span (kind consumer) whose parent is
 * the producer's span, carried as a W3C traceparent in the job record (enqueue-2.lua) and handed
 * over by the claim, so producer and worker share one trace; without one the attempt is a root
 * span. The span says which job and attempt it is and how the attempt ended (`job.outcome`: the
 * kind of its final change, or `none` when it wrote none, e.g. after losing its lease), and ends in
 * error when the job failed, will be retried or was dead-lettered.
 *
 * With Effect's default tracer (nothing exported) the worker makes no span at all: a span per job
 * would cost ids, attributes and a clock read for nobody.
 */
import { Clock, Data, Effect, Exit, Tracer } from "effect"
import type { JobDomain } from "../../contracts/JobDomain.js"
import { parseTraceParent } from "../../contracts/TraceParent.js"
import type { ClaimedJob, JobChange, PostChange } from "../JobQueue.js"

/** What a traced attempt's span ends with when the attempt settled as a failure. */
class AttemptFailed extends Data.TaggedError("AttemptFailed")<{ readonly message: string }> {}

/** Runs one attempt in its span; the attempt posts its changes through the poster it is given. */
export type TraceAttempt = <E, R>(
  job: ClaimedJob,
  post: PostChange,
  attempt: (post: PostChange) => Effect.Effect<void, E, R>
) => Effect.Effect<void, E, R>

const failedKinds: ReadonlySet<string> = new Set(["failed", "retry", "dead"])

/** The error text a failing final change writes (`error`, or `last_error` for a retry). */
const errorOf = (change: JobChange): string => {
  const fields = change.fields
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === (change.kind === "retry" ? "last_error" : "error")) return fields[i + 1] ?? ""
  }
  return change.kind
}

const traceAttempt = (domain: JobDomain): TraceAttempt => (job, post, attempt) =>
  Effect.suspend(() => {
    const parent = job.traceparent === undefined ? undefined : parseTraceParent(job.traceparent)
    let outcome = "none"
    let failure: string | undefined
    const recording: PostChange = (change) => {
      if (change.kind !== "update") {
        outcome = change.kind
        failure = failedKinds.has(change.kind) ? errorOf(change) : undefined
      }
      return post(change)
    }
    const makeSpan = Effect.makeSpan("job.attempt", {
      kind: "consumer",
      attributes: {
        "job.domain": domain,
        "job.id": job.jobId,
        "job.attempt": job.attempt,
        "job.max_attempts": job.maxAttempts,
        "job.execution_id": job.executionId,
        // A string: user ids are 64-bit, beyond what an OTLP double keeps exactly.
        "job.user_id": String(job.userId)
      },
      // No producer span: a root, not a child of whatever span the worker's fiber runs in.
      ...(parent === undefined ? { root: true } : { parent: Tracer.externalSpan(parent) })
    })
    return Effect.flatMap(makeSpan, (span) =>
      attempt(recording).pipe(
        Effect.withParentSpan(span),
        Effect.onExit((exit) =>
          Effect.flatMap(Clock.currentTimeNanos, (now) =>
            Effect.sync(() => {
              span.attribute("job.outcome", outcome)
              span.end(now, Exit.isSuccess(exit) && failure !== undefined ? Exit.fail(new AttemptFailed({ message: failure })) : exit)
            }))
        )
      ))
  })

/**
 * The attempt tracing of a worker started in the current fiber, or undefined when its tracer is
 * Effect's default (no exporter configured): the worker then runs attempts without spans.
 */
export const makeAttemptTracing = (domain: JobDomain): Effect.Effect<TraceAttempt | undefined> =>
  Effect.map(Effect.tracer, (tracer) => tracer === Tracer.nativeTracer ? undefined : traceAttempt(domain))
