import { Console, Effect, Option } from "effect"
import { stringifyWirePretty } from "../contracts/WireJson.js"
import { Argument, Command } from "effect/cli"
import { ContractError } from "../contracts/ContractError.js"
import { jobStatusToJson } from "../contracts/JobStatus.js"
import { JobStore } from "../runtime/JobStore.js"
import { domainFlag } from "./flags.js"

export const statusCommand = Command.make("status", {
  domain: domainFlag,
  jobId: Argument.String("job-id")
}, ({ domain, jobId }) =>
  Effect.gen(function*() {
    const store = yield* JobStore
    const record = yield* store.loadRecord(domain, jobId)
    if (Option.isNone(record)) {
      return yield* new ContractError({ contract: "status", message: `no job ${jobId} in domain ${domain}` })
    }
    const r = record.value
    yield* Console.log(stringifyWirePretty({
      ...jobStatusToJson(r.status),
      attempt: r.attempt,
      max_attempts: r.maxAttempts,
      result_id: r.resultId,
      result_bytes: r.resultBytes,
      next_run_at: r.nextRunAt === null ? null : new Date(r.nextRunAt).toISOString(),
      last_error: r.lastError,
      error_kind: r.errorKind,
      error_code: r.errorCode
    }))
  })).pipe(Command.withDescription("Print a job's status hash as JSON"))
