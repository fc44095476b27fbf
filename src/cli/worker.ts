import { Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { findJob } from "../domains/registry.js"
import { domainFlag } from "./flags.js"

export const workerCommand = Command.make("worker", {
  domain: domainFlag,
  concurrency: Flag.Int("concurrency").pipe(Flag.withDescription("Jobs run at once"), Flag.withDefault(4)),
  graceMs: Flag.Int("grace-ms").pipe(
    Flag.withDescription("On SIGINT/SIGTERM, how long running jobs may finish before they are handed back"),
    Flag.withDefault(10_000)
  )
}, ({ domain, concurrency, graceMs }) =>
  Effect.gen(function*() {
    const job = yield* findJob(domain)
    yield* job.startWorker({ concurrency, graceMs })
    return yield* Effect.never
  }).pipe(Effect.scoped)).pipe(Command.withDescription("Run a domain's worker until SIGINT/SIGTERM"))
