/**
 * The one entry point: `effect-jobs <command>`. Every command reads REDIS_URL (unset: the
 * embedded in-memory Redis) and prints one clear line and exits non-zero on error: 2 for a
 * command line that cannot run as given, 1 for anything else.
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Cause, Console, Effect, Exit, Layer } from "effect"
import { CliError, CliOutput, Command } from "effect/cli"
import { appLayer } from "./cli/AppLayer.js"
import { cancelCommand } from "./cli/cancel.js"
import { deadLetterCommand } from "./cli/deadLetter.js"
import { retryCommand } from "./cli/retry.js"
import { resultCommand } from "./cli/result.js"
import { schedulesCommand } from "./cli/schedules.js"
import { demoCommand } from "./cli/demo.js"
import { enqueueCommand } from "./cli/enqueue.js"
import { eventsCommand } from "./cli/events.js"
import { UsageError } from "./cli/flags.js"
import { serveCommand } from "./cli/serve.js"
import { statusCommand } from "./cli/status.js"
import { watchCommand } from "./cli/watch.js"
import { workerCommand } from "./cli/worker.js"
import { jobCommand } from "./cli/job.js"
import { taskCommand } from "./cli/task.js"
import { telemetryCommand } from "./cli/telemetry.js"

const commandName = "effect-jobs"

const jobs = Command.make(commandName).pipe(
  Command.withDescription("Job and event runtime on Effect and Redis"),
  Command.withSubcommands([workerCommand, enqueueCommand, statusCommand, eventsCommand, demoCommand, watchCommand, serveCommand,
    cancelCommand, retryCommand, deadLetterCommand, schedulesCommand, resultCommand, jobCommand, taskCommand, telemetryCommand])
)

const errorLine = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
    return String(error.message).split("\n")[0] ?? "failed"
  }
  return String(error)
}

const setExitCode = (code: number) => Effect.sync(() => { process.exitCode = code })

/** Usage errors are exit code 2, as in POSIX utilities, so scripts can tell them from failed work. */
const usageExitCode = 2

const usageLines = (message: string, commandPath: ReadonlyArray<string>) =>
  `error: ${message.split("\n")[0] ?? message}\nrun \`${[commandName, ...commandPath.slice(1)].join(" ")} --help\` for usage`

/**
 * effect/cli answers a parse error with the command's whole help text and an ERROR section, which
 * buries the one line that matters: print that line and where the help is instead.
 */
const presenter: CliOutput.Presenter = {
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Console.error(usageLines(event.errors[0]?.message ?? "invalid command line", event.commandPath))
      : CliOutput.defaultPresenter.present(event)
}

const program = Command.run(jobs, { version: "0.1.0" }).pipe(
  Effect.provide(Layer.mergeAll(appLayer, NodeServices.layer, CliOutput.layerPresenter(presenter))),
  // One readable line instead of a stack trace; interruption (SIGINT/SIGTERM) is a clean stop.
  Effect.catchCause((cause) => {
    if (Cause.hasInterruptsOnly(cause)) return Effect.interrupt
    const error = Cause.squash(cause)
    // Parse errors were already reported by the presenter.
    if (CliError.isCliError(error) && error._tag === "ShowHelp") return setExitCode(error.errors.length > 0 ? usageExitCode : 0)
    if (error instanceof UsageError) {
      return Console.error(usageLines(error.message, [commandName, error.command])).pipe(Effect.andThen(setExitCode(usageExitCode)))
    }
    return Console.error(`error: ${errorLine(cause)}`).pipe(Effect.andThen(setExitCode(1)))
  })
)

// runMain drains on SIGINT/SIGTERM only, and Node's default for SIGHUP (a closed terminal, some
// supervisors) is to die on the spot, leaving running jobs to wait for their leases: treat it as SIGTERM.
process.on("SIGHUP", () => process.kill(process.pid, "SIGTERM"))

// Under npm (`npx effect-jobs`, `npm start`) our parent is the `sh -c` npm runs commands in, and
// Debian's dash does not exec the command: npm forwards a SIGTERM to that sh, which dies of it, and
// the signal never reaches us. Orphaned that way, drain as if we had received it. Only under npm, so
// `nohup effect-jobs worker &` from a shell that then exits keeps running.
if (process.env["npm_command"] !== undefined) {
  const parent = process.ppid
  const watch = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(watch)
    process.kill(process.pid, "SIGTERM")
  }, 250)
  watch.unref()
}

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? Number(process.exitCode ?? 0) : 1)
})
