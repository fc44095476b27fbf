/**
 * The one entry point: `jobs <command>`. Every command reads REDIS_URL (unset: the
 * embedded in-memory Redis) and prints one clear line and exits non-zero on error.
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Cause, Console, Effect, Exit, Layer } from "effect"
import { CliError, Command } from "effect/cli"
import { appLayer } from "./cli/AppLayer.js"
import { cancelCommand } from "./cli/cancel.js"
import { deadLetterCommand } from "./cli/deadLetter.js"
import { retryCommand } from "./cli/retry.js"
import { resultCommand } from "./cli/result.js"
import { schedulesCommand } from "./cli/schedules.js"
import { demoCommand } from "./cli/demo.js"
import { enqueueCommand } from "./cli/enqueue.js"
import { eventsCommand } from "./cli/events.js"
import { serveCommand } from "./cli/serve.js"
import { statusCommand } from "./cli/status.js"
import { watchCommand } from "./cli/watch.js"
import { workerCommand } from "./cli/worker.js"

const jobs = Command.make("jobs").pipe(
  Command.withDescription("Job and event runtime on Effect and Redis"),
  Command.withSubcommands([workerCommand, enqueueCommand, statusCommand, eventsCommand, demoCommand, watchCommand, serveCommand,
    cancelCommand, retryCommand, deadLetterCommand, schedulesCommand, resultCommand])
)

const errorLine = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
    return String(error.message).split("\n")[0] ?? "failed"
  }
  return String(error)
}

const setExitCode = (code: number) => Effect.sync(() => { process.exitCode = code })

const program = Command.run(jobs, { version: "0.1.0" }).pipe(
  Effect.provide(Layer.merge(appLayer, NodeServices.layer)),
  // One readable line instead of a stack trace; interruption (SIGINT/SIGTERM) is a clean stop.
  Effect.catchCause((cause) => {
    if (Cause.hasInterruptsOnly(cause)) return Effect.interrupt
    const error = Cause.squash(cause)
    // Usage errors were already shown with the command's help and an ERROR section.
    if (CliError.isCliError(error) && error._tag === "ShowHelp") return setExitCode(error.errors.length > 0 ? 2 : 0)
    return Console.error(`error: ${errorLine(cause)}`).pipe(Effect.andThen(setExitCode(1)))
  })
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? Number(process.exitCode ?? 0) : 1)
})
