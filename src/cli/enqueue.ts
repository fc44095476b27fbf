import { Console, DateTime, Effect, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import { ContractError } from "../contracts/ContractError.js"
import { findJob } from "../domains/registry.js"
import { JobQueue } from "../runtime/JobQueue.js"
import { domainFlag } from "./flags.js"

const parsePayload = (text: string) =>
  Schema.decodeUnknownEffect(Schema.fromJsonString(Schema.Unknown))(text).pipe(
    Effect.mapError(() => new ContractError({ contract: "payload", message: `--payload is not valid JSON: ${text.slice(0, 80)}` }))
  )

const parseRunAt = (text: string) =>
  Option.match(DateTime.make(text), {
    onNone: () => Effect.fail(new ContractError({ contract: "run-at", message: `--run-at is not an ISO 8601 time: ${text}` })),
    onSome: (dt) => Effect.succeed(DateTime.toEpochMillis(dt))
  })

export const enqueueCommand = Command.make("enqueue", {
  domain: domainFlag,
  userId: Flag.Int("user-id").pipe(Flag.withDescription("Integer id of the user the job belongs to")),
  payload: Flag.String("payload").pipe(Flag.withDescription("The job's payload as JSON")),
  jobId: Flag.String("job-id").pipe(Flag.withDescription("Your own job id; enqueueing it twice adds the job once"), Flag.optional),
  delay: Flag.Int("delay").pipe(Flag.withDescription("Start no earlier than this many milliseconds from now"), Flag.optional),
  runAt: Flag.String("run-at").pipe(Flag.withDescription("Start no earlier than this ISO 8601 time"), Flag.optional),
  maxAttempts: Flag.Int("max-attempts").pipe(Flag.withDescription("Attempts before the job goes to dead letter"), Flag.optional)
}, (flags) =>
  Effect.gen(function*() {
    const payload = yield* parsePayload(flags.payload)
    const job = yield* findJob(flags.domain)
    yield* job.validatePayload(payload)
    const runAt = Option.isSome(flags.runAt)
      ? yield* parseRunAt(flags.runAt.value)
      : Option.isSome(flags.delay) ? Date.now() + flags.delay.value : undefined
    const queue = yield* JobQueue
    const result = yield* queue.enqueue({
      domain: flags.domain,
      userId: flags.userId,
      payload,
      ...(Option.isSome(flags.jobId) ? { jobId: flags.jobId.value } : {}),
      ...(runAt === undefined ? {} : { runAt }),
      ...(Option.isSome(flags.maxAttempts) ? { maxAttempts: flags.maxAttempts.value } : {})
    })
    yield* Console.log(result.jobId)
    if (!result.added) yield* Console.error(`job ${result.jobId} already existed; not added again`)
  })).pipe(Command.withDescription("Add a job to a domain's queue and print its id"))
