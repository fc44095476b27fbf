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
import { type LongRunning, runCli, startCli, waitFor } from "./support/Cli.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

const hasTmux = spawnSync("tmux", ["-V"]).status === 0
const session = `jobs-watch-${process.pid}`

let server: RedisServerHandle
let resultDir: string
let env: Record<string, string>
const workers: Array<LongRunning> = []

const tmux = (...args: ReadonlyArray<string>) => execFileSync("tmux", args, { encoding: "utf8" })
const screen = () => tmux("capture-pane", "-p", "-t", session)
const linesWith = (text: string) => screen().split("\n").filter((line) => line.includes(text))

const enqueue = async (domain: string, payload: unknown): Promise<string> => {
  const result = await runCli(["enqueue", "--domain", domain, "--user-id", "5", "--payload", JSON.stringify(payload)], env)
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.trim()
}

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
    if (hasTmux) spawnSync("tmux", ["kill-session", "-t", session])
    for (const worker of workers) await worker.stop("SIGKILL")
    await server?.stop(true)
    if (server !== undefined) rmSync(server.dir, { recursive: true, force: true })
    if (resultDir !== undefined) rmSync(resultDir, { recursive: true, force: true })
  })

  it("shows a digits training run live, in place, and settles it as a ✓ line", async () => {
    const jobId = await enqueue("digits", { model_id: "mlp-32", epochs: 5, train_size: 6000 })
    const percents = new Set<number>()
    await waitFor(() => {
      const lines = linesWith(jobId)
      // In place: the job never takes more than one line on the screen.
      expect(lines.length).toBeLessThanOrEqual(1)
      const running = lines[0]?.match(/^digits\/\S+ {2}\[[█░]{20}\] +(\d+)% .*· epoch (\d)\/5 .*val_acc 0\.\d{4}.* samples\/s/)
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
