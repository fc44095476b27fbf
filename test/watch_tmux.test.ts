/**
 * `jobs watch` in a real terminal (tmux) against real worker processes on a real redis-server:
 * the screen shows one line per running job with a moving progress bar and training metrics,
 * updated in place, and finished jobs settle as ✓/✗ lines. Skipped when tmux is not installed
 * (.ci/run installs it).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeTerminalRenderer } from "../src/cli/watch.js"
import { makeCompletedEvent, makeFailedEvent, makeProgressEvent } from "../src/contracts/LifecycleEvents.js"
import { foldJobView, type JobView } from "../src/runtime/view/JobViewFold.js"
import { fitWidth, progressBar } from "../src/runtime/view/TerminalLines.js"
import { type LongRunning, runCli, startCli, waitFor } from "./support/Cli.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

const hasTmux = spawnSync("tmux", ["-V"]).status === 0
const session = `jobs-watch-${process.pid}`

let server: RedisServerHandle
let resultDir: string
let env: Record<string, string>
const workers: Array<LongRunning> = []

// A server of our own (-L), so the shell in the pane gets this process's environment (PATH with the pinned node).
const tmux = (...args: ReadonlyArray<string>) => execFileSync("tmux", ["-L", session, ...args], { encoding: "utf8" })
const screen = () => tmux("capture-pane", "-p", "-t", session)
const linesWith = (text: string) => screen().split("\n").filter((line) => line.includes(text))

const enqueue = async (domain: string, payload: unknown): Promise<string> => {
  const result = await runCli(["enqueue", "--domain", domain, "--user-id", "5", "--payload", JSON.stringify(payload)], env)
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.trim()
}

const qrJob = (jobId: string) => ({ domain: "qr" as const, job_id: jobId, user_id: 1n })
const viewAfter = (events: ReadonlyArray<Parameters<typeof foldJobView>[2]>): JobView => {
  let view: JobView | undefined
  for (const message of events) view = foldJobView(view, "qr", message, 0)
  if (view === undefined) throw new Error("no events")
  return view
}
const progressView = (jobId: string, progress: number) =>
  viewAfter([{ _tag: "Lifecycle", event: makeProgressEvent(qrJob(jobId), progress, "working") }])

describe("watch renderer", () => {
  it("draws a 20-cell bar and cuts lines to the terminal width", () => {
    expect(progressBar(0)).toBe(`[${"░".repeat(20)}]`)
    expect(progressBar(42)).toBe(`[${"█".repeat(8)}${"░".repeat(12)}]`)
    expect(progressBar(100)).toBe(`[${"█".repeat(20)}]`)
    expect(fitWidth("x".repeat(50), 20)).toBe(`${"x".repeat(18)}…`)
    expect(fitWidth("short", 20)).toBe("short")
  })

  it("on a terminal redraws the live block in place and prints finished jobs above it", () => {
    let written = ""
    const render = makeTerminalRenderer({ isTTY: true, columns: () => 200, rows: () => 40, write: (text) => { written += text } })
    render({ _tag: "Job", job: progressView("a", 10) })
    render({ _tag: "Job", job: progressView("b", 20) })
    expect(written).toBe("qr/a  [██░░░░░░░░░░░░░░░░░░]   10%  working\n" +
      "\x1b[1A\r\x1b[Jqr/a  [██░░░░░░░░░░░░░░░░░░]   10%  working\nqr/b  [████░░░░░░░░░░░░░░░░]   20%  working\n")
    written = ""
    render({ _tag: "Job", job: viewAfter([{ _tag: "Lifecycle", event: makeCompletedEvent(qrJob("a"), "abc", 12) }]) })
    // Up two lines, clear, the final line of a, then the remaining live line of b.
    expect(written).toBe("\x1b[2A\r\x1b[J✓ qr/a  completed  abc (12 bytes)\nqr/b  [████░░░░░░░░░░░░░░░░]   20%  working\n")
  })

  it("keeps the live block shorter than the screen, summarising the rest", () => {
    let written = ""
    const render = makeTerminalRenderer({ isTTY: true, columns: () => 200, rows: () => 5, write: (text) => { written = text } })
    for (const id of ["a", "b", "c", "d", "e"]) render({ _tag: "Job", job: progressView(id, 30) })
    // 5 rows leave room for 3 lines: two jobs and a summary of the other three.
    const redrawOf3 = "\x1b[3A\r\x1b[J"
    expect(written.startsWith(redrawOf3)).toBe(true)
    expect(written.slice(redrawOf3.length).split("\n").map((line) => line.slice(0, 20))).toEqual(["qr/a  [██████░░░░░░░", "qr/b  [██████░░░░░░░", "… and 3 more running", ""])
  })

  it("without a terminal prints one plain line per change, no escape codes", () => {
    const lines: Array<string> = []
    const render = makeTerminalRenderer({ isTTY: false, columns: () => undefined, rows: () => undefined, write: (text) => { lines.push(text) } })
    render({ _tag: "Job", job: progressView("a", 50) })
    render({ _tag: "Job", job: viewAfter([{ _tag: "Lifecycle", event: makeFailedEvent(qrJob("a"), "user", "bad text") }]) })
    render({ _tag: "Problems", problems: { unknown: 1, malformed: 0, recent: [] } })
    expect(lines).toEqual([
      "qr/a  [██████████░░░░░░░░░░]   50%  working\n",
      "✗ qr/a  failed (user): bad text\n",
      "! events not understood: 1 unknown, 0 malformed\n"
    ])
  })
})

describe.skipIf(!hasTmux)("watch in tmux", () => {
  beforeAll(async () => {
    server = await startRedisServer()
    resultDir = mkdtempSync(join(tmpdir(), "jobs-watch-results-"))
    env = { REDIS_URL: server.url, RESULT_STORE_DIR: resultDir }
    for (const domain of ["digits", "qr"]) {
      workers.push(startCli(["worker", "--domain", domain, "--concurrency", "1", "--grace-ms", "500"], env))
    }
    tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "30", "-c", process.cwd())
    // `--from 0` replays this fresh server's log, so no event can slip past before the subscription.
    tmux("send-keys", "-t", session, `REDIS_URL=${server.url} node_modules/.bin/tsx src/main.ts watch --domain digits --domain qr --from 0`, "Enter")
    await waitFor(() => screen().includes("watching digits, qr"), 30_000, "watch to start").catch((error: unknown) => {
      throw new Error(`${String(error)}\nscreen:\n${screen()}`)
    })
    await Promise.all(workers.map((worker) => waitFor(() => worker.output().includes("worker started"), 30_000, "the workers to start")))
  }, 90_000)

  afterAll(async () => {
    if (hasTmux) spawnSync("tmux", ["-L", session, "kill-server"])
    for (const worker of workers) await worker.stop("SIGKILL")
    await server?.stop(true)
    if (server !== undefined) rmSync(server.dir, { recursive: true, force: true })
    if (resultDir !== undefined) rmSync(resultDir, { recursive: true, force: true })
  })

  it("shows a digits training run live, in place, and settles it as a ✓ line", async () => {
    const jobId = await enqueue("digits", { model_id: "mlp-32", epochs: 8 })
    const percents = new Set<number>()
    await waitFor(() => {
      const lines = linesWith(jobId)
      // In place: the job never takes more than one line on the screen.
      expect(lines.length).toBeLessThanOrEqual(1)
      const running = lines[0]?.match(/^digits\/\S+ {2}\[[█░]{20}\] +(\d+)% .*· epoch (\d)\/8 .*val_acc 0\.\d{4}.* samples\/s/)
      if (running?.[1] !== undefined) percents.add(Number(running[1]))
      return lines[0]?.startsWith(`✓ digits/${jobId}`) === true
    }, 60_000, "the digits job to settle as a ✓ line")
    const moving = [...percents].filter((p) => p > 0 && p < 100)
    expect(moving.length, `progress seen: ${[...percents].join(", ")}`).toBeGreaterThanOrEqual(2)
    expect(linesWith(jobId)[0]).toMatch(new RegExp(`^✓ digits/${jobId} {2}completed {2}[0-9a-f]{64} \\(\\d+ bytes\\)`))
  }, 90_000)

  it("settles a qr job with its result and a cancelled training run as a ✗ line with the reason", async () => {
    const [qrId, longRun] = await Promise.all([enqueue("qr", { text: "watch me" }), enqueue("digits", { model_id: "mlp-32", epochs: 40 })])
    await waitFor(() => linesWith(qrId)[0]?.startsWith(`✓ qr/${qrId}  completed  `) === true, 30_000, "the qr job's ✓ line")
    await waitFor(() => /\[[█░]{20}\] +\d+% .*· epoch/.test(linesWith(longRun)[0] ?? ""), 30_000, "the long run to show progress")
    const cancelled = await runCli(["cancel", "--domain", "digits", longRun], env)
    expect(cancelled.code, cancelled.stderr).toBe(0)
    await waitFor(() => linesWith(longRun)[0]?.startsWith(`✗ digits/${longRun}  failed (user): cancelled by request`) === true,
      30_000, "the cancelled run's ✗ line")
    expect(linesWith(longRun)).toHaveLength(1)
  }, 90_000)
})
