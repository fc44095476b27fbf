import { Console, Effect, Option } from "effect"
import { stringifyWirePretty } from "../contracts/WireJson.js"
import { Argument, Command, Flag } from "effect/cli"
import { jobStatusToJson } from "../contracts/JobStatus.js"
import { listDeadLetterReport, requeueDeadLetter, showDeadLetter } from "../runtime/DeadLetter.js"
import { domainFlag } from "./flags.js"

const iso = (ms: number) => new Date(ms).toISOString()

const listCommand = Command.make("list", {
  domain: domainFlag,
  limit: Flag.Int("limit").pipe(Flag.withDescription("Most entries shown (default: 100)"), Flag.withDefault(100)),
  offset: Flag.Int("offset").pipe(Flag.withDescription("Entries skipped (oldest first) (default: 0)"), Flag.withDefault(0))
}, ({ domain, limit, offset }) =>
  Effect.gen(function*() {
    const { entries, unreadable } = yield* listDeadLetterReport(domain, { limit, offset })
    // Reported on stderr, so the listing on stdout keeps its one-entry-per-line form.
    for (const bad of unreadable) yield* Console.error(`skipped ${bad.jobId}: ${bad.reason}`)
    if (entries.length === 0) return yield* Console.log(`no dead-lettered jobs in ${domain}`)
    for (const e of entries) {
      yield* Console.log(`${e.jobId}\t${iso(e.deadAt)}\tattempt ${e.attempt}/${e.maxAttempts}\t${e.errorKind ?? "-"}\t${e.lastError ?? ""}`)
    }
  })).pipe(Command.withDescription("List jobs that ran out of attempts: id, time, attempts, error kind, last error"))

const showCommand = Command.make("show", {
  domain: domainFlag,
  jobId: Argument.String("job-id")
}, ({ domain, jobId }) =>
  Effect.gen(function*() {
    const { record, deadAt } = yield* showDeadLetter(domain, jobId)
    yield* Console.log(stringifyWirePretty({
      ...jobStatusToJson(record.status),
      dead_at: Option.match(deadAt, { onNone: () => null, onSome: iso }),
      attempt: record.attempt,
      max_attempts: record.maxAttempts,
      error_kind: record.errorKind,
      last_error: record.lastError,
      payload: record.payload
    }))
  })).pipe(Command.withDescription("Print a job's record, with when it was dead-lettered (null if it is not)"))

const requeueCommand = Command.make("requeue", {
  domain: domainFlag,
  jobId: Argument.String("job-id")
}, ({ domain, jobId }) =>
  Effect.gen(function*() {
    yield* requeueDeadLetter(domain, jobId)
    yield* Console.log(`${jobId}: requeued from dead letter, attempts reset`)
  })).pipe(Command.withDescription("Put a dead-lettered job back on the queue with its attempts reset"))

export const deadLetterCommand = Command.make("dead-letter").pipe(
  Command.withDescription("Inspect and requeue jobs that ran out of attempts"),
  Command.withSubcommands([listCommand, showCommand, requeueCommand])
)
