/**
 * `watch [--domain D ...]`: one live line per running job, redrawn in place (ANSI) as its events
 * arrive, at most twice a second per job; a finished job settles into a final ✓/✗ line above the
 * live block. When stdout is not a terminal, every change is printed as a plain line instead.
 */
import { Effect, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { jobViewChanges, type ViewChange } from "../runtime/JobView.js"
import { finalLine, fitWidth, problemsLine, runningLine } from "../runtime/view/TerminalLines.js"
import { chosenDomains, domainsFlag } from "./serve.js"

interface Output {
  readonly isTTY: boolean
  /** Read at every redraw, so a resized terminal is followed. */
  readonly columns: () => number | undefined
  readonly rows: () => number | undefined
  readonly write: (text: string) => void
}

/** Keeps the live block (one line per running job) at the bottom of the screen. */
export const makeTerminalRenderer = (out: Output) => {
  const live = new Map<string, string>()
  let drawn = 0
  const redraw = (permanent: ReadonlyArray<string>) => {
    const columns = out.columns()
    const fit = (line: string) => fitWidth(line, columns)
    // The cursor cannot move above the screen's top, so the block never grows taller than the screen.
    const room = Math.max(1, (out.rows() ?? 50) - 2)
    const lines = [...live.values()]
    const shown = lines.length > room ? [...lines.slice(0, room - 1), `… and ${lines.length - room + 1} more running`] : lines
    // Move to the top of the old block, clear to the end of the screen, print, redraw the block.
    let text = drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : ""
    for (const line of permanent) text += `${fit(line)}\n`
    for (const line of shown) text += `${fit(line)}\n`
    drawn = shown.length
    out.write(text)
  }
  return (change: ViewChange): void => {
    if (change._tag === "Problems") {
      if (out.isTTY) redraw([problemsLine(change.problems)])
      else out.write(`${problemsLine(change.problems)}\n`)
      return
    }
    const job = change.job
    const finished = job.status !== "running"
    if (!out.isTTY) {
      out.write(`${finished ? finalLine(job) : runningLine(job)}\n`)
      return
    }
    if (finished) {
      live.delete(job.key)
      redraw([finalLine(job)])
    } else {
      live.set(job.key, runningLine(job))
      redraw([])
    }
  }
}

export const watchCommand = Command.make("watch", {
  domains: domainsFlag,
  from: Flag.String("from").pipe(
    Flag.withDescription("Replay the event log from this position (0 = everything kept) before going live (default: live events only)"),
    Flag.optional
  )
}, ({ domains, from }) =>
  Effect.gen(function*() {
    const chosen = chosenDomains(domains)
    const render = makeTerminalRenderer({
      isTTY: process.stdout.isTTY === true,
      columns: () => process.stdout.columns,
      rows: () => process.stdout.rows,
      write: (text) => process.stdout.write(text)
    })
    process.stdout.write(`watching ${chosen.join(", ")} (Ctrl-C to stop)\n`)
    yield* jobViewChanges({ domains: chosen, ...(Option.isSome(from) ? { from: from.value } : {}) }).pipe(
      Stream.runForEach((change) => Effect.sync(() => render(change)))
    )
  })).pipe(Command.withDescription("Show live progress of jobs: one line per job, updated in place"))
