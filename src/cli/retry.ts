import { Console, Effect } from "effect"
import { Argument, Command } from "effect/cli"
import { retryJob } from "../runtime/DeadLetter.js"
import { domainFlag } from "./flags.js"

export const retryCommand = Command.make("retry", {
  domain: domainFlag,
  jobId: Argument.String("job-id")
}, ({ domain, jobId }) =>
  Effect.gen(function*() {
    yield* retryJob(domain, jobId)
    yield* Console.log(`${jobId}: queued again from its first attempt`)
  })).pipe(Command.withDescription("Run a failed job again (dead-lettered, a user error or a cancellation), attempts reset"))
