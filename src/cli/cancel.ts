import { Console, Effect } from "effect"
import { Argument, Command } from "effect/cli"
import { cancelJob } from "../runtime/Cancellation.js"
import { domainFlag } from "./flags.js"

const describeOutcome = {
  cancelled: "cancelled (it had not started)",
  requested: "cancel requested; its worker is stopping it",
  finished: "not cancelled: it had already finished"
} as const

export const cancelCommand = Command.make("cancel", {
  domain: domainFlag,
  jobId: Argument.String("job-id")
}, ({ domain, jobId }) =>
  Effect.gen(function*() {
    const result = yield* cancelJob(domain, jobId)
    yield* Console.log(`${jobId}: ${describeOutcome[result.outcome]} (was ${result.previousStatus})`)
  })).pipe(Command.withDescription("Cancel a queued, delayed or running job from any machine"))
