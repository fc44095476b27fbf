import { randomUUID } from "node:crypto"
import { Console, DateTime, Effect, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import { ContractError } from "../contracts/ContractError.js"
import { registeredDomains, registeredJobs } from "../domains/registry.js"
import type { ErrorKind } from "../contracts/JobDomain.js"
import { parseUserId, userIdRangeText } from "../contracts/UserId.js"
import { Producer } from "../runtime/Producer.js"
import { addSchedule } from "../runtime/Schedules.js"
import { domainFlag, UsageError } from "./flags.js"
import { payloadFlags, readPayload } from "./payloadInput.js"

const usage = (message: string) => new UsageError({ command: "enqueue", message })

const parseRunAt = (text: string) =>
  Option.match(DateTime.make(text), {
    onNone: () => Effect.fail(usage(`--run-at is not an ISO 8601 time: ${text}`)),
    onSome: (dt) => Effect.succeed(DateTime.toEpochMillis(dt))
  })

// Read from the text, not through a number flag: a double would round ids beyond 2^53.
const parseUserIdFlag = (text: string) => {
  const userId = parseUserId(text)
  return userId === undefined
    ? Effect.fail(usage(`--user-id takes an integer in ${userIdRangeText}, got "${text}"`))
    : Effect.succeed(userId)
}

const parseRetryOn = (text: string) => {
  const kinds = text.split(",").map((k) => k.trim()).filter((k) => k !== "")
  const known: Array<ErrorKind> = []
  for (const kind of kinds) {
    if (kind !== "user" && kind !== "system") {
      return Effect.fail(usage(`--retry-on takes user and/or system, got "${kind}"`))
    }
    known.push(kind)
  }
  return Effect.succeed(known)
}

export const enqueueCommand = Command.make("enqueue", {
  domain: domainFlag,
  userId: Flag.String("user-id").pipe(Flag.withDescription("Integer id of the user the job belongs to (any signed 64-bit integer)")),
  ...payloadFlags,
  jobId: Flag.String("job-id").pipe(Flag.withDescription("Your own job id; enqueueing it twice adds the job once (default: a random UUID)"), Flag.optional),
  delay: Flag.Int("delay").pipe(Flag.withDescription("Start no earlier than this many milliseconds from now (default: now)"), Flag.optional),
  runAt: Flag.String("run-at").pipe(Flag.withDescription("Start no earlier than this ISO 8601 time"), Flag.optional),
  maxAttempts: Flag.Int("max-attempts").pipe(Flag.withDescription("Attempts before the job goes to dead letter (default: JOBS_MAX_ATTEMPTS, 3)"), Flag.optional),
  backoffMs: Flag.Int("backoff-ms").pipe(Flag.withDescription("First retry delay; later ones double, with jitter (default: JOBS_BACKOFF_MS, 1000)"), Flag.optional),
  retryOn: Flag.String("retry-on").pipe(
    Flag.withDescription("Error kinds that are retried: system, user, or user,system; empty for none (default: system)"),
    Flag.optional
  ),
  correlationId: Flag.String("correlation-id").pipe(
    Flag.withDescription("Correlation id every telemetry event of the job (and of jobs it enqueues) carries; 1-200 characters (default: a random UUID)"),
    Flag.optional
  ),
  every: Flag.Int("every").pipe(
    Flag.withDescription("Repeat: run every this many milliseconds (--job-id names the schedule)"),
    Flag.optional
  ),
  cron: Flag.String("cron").pipe(
    Flag.withDescription("Repeat: run on this cron expression, UTC, 5 or 6 fields (--job-id names the schedule)"),
    Flag.optional
  )
}, (flags) =>
  Effect.gen(function*() {
    const userId = yield* parseUserIdFlag(flags.userId)
    const payload = yield* readPayload(flags)
    // Domains are open: a domain whose job lives in another project is served by that project's
    // workers, so its payload goes in as given; a registered domain's payload is checked first.
    const job = registeredJobs.find((registered) => registered.domain === flags.domain)
    if (job === undefined) {
      yield* Console.error(`note: no job of domain "${flags.domain}" is registered here (${registeredDomains().join(", ")}); the payload is not checked`)
    }
    if (Option.isSome(flags.every) || Option.isSome(flags.cron)) {
      if (Option.isSome(flags.delay) || Option.isSome(flags.runAt)) {
        return yield* usage("--every/--cron cannot be combined with --delay/--run-at")
      }
      if (Option.isSome(flags.correlationId)) return yield* usage("--correlation-id names one job's correlation, not a schedule's")
      if (job !== undefined) yield* job.validatePayload(payload)
      const name = Option.getOrElse(flags.jobId, () => randomUUID().slice(0, 8))
      yield* addSchedule(flags.domain, {
        name,
        anchor_ms: Date.now(),
        user_id: userId,
        payload: yield* Schema.decodeUnknownEffect(Schema.Json)(payload).pipe(
          Effect.mapError(() => new ContractError({ contract: "payload", message: "payload is not JSON" }))
        ),
        ...(Option.isSome(flags.every) ? { every_ms: flags.every.value } : {}),
        ...(Option.isSome(flags.cron) ? { cron: flags.cron.value } : {}),
        ...(Option.isSome(flags.maxAttempts) ? { max_attempts: flags.maxAttempts.value } : {})
      })
      yield* Console.log(`schedule ${name}: workers of ${flags.domain} enqueue it as repeat:${name}:<time>`)
      return
    }
    const runAt = Option.isSome(flags.runAt)
      ? yield* parseRunAt(flags.runAt.value)
      : Option.isSome(flags.delay) ? Date.now() + flags.delay.value : undefined
    const producer = yield* Producer
    const result = yield* producer.enqueueJson(flags.domain, payload, {
      userId,
      ...(Option.isSome(flags.jobId) ? { jobId: flags.jobId.value } : {}),
      ...(runAt === undefined ? {} : { runAt }),
      ...(Option.isSome(flags.maxAttempts) ? { maxAttempts: flags.maxAttempts.value } : {}),
      ...(Option.isSome(flags.backoffMs) ? { backoffMs: flags.backoffMs.value } : {}),
      ...(Option.isSome(flags.retryOn) ? { retryOn: yield* parseRetryOn(flags.retryOn.value) } : {}),
      ...(Option.isSome(flags.correlationId) ? { correlationId: flags.correlationId.value } : {})
    })
    yield* Console.log(result.jobId)
    if (!result.added) yield* Console.error(`job ${result.jobId} already existed; not added again`)
  })).pipe(Command.withDescription("Add a job to a domain's queue and print its id"))
