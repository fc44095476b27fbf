/**
 * The CLI as a process on a real redis-server: SIGTERM to the PID that was started (the
 * `effect-jobs` bin, or `npm run jobs --`) drains a busy worker, which exits 0 and leaves no
 * process behind; usage errors are one line and a pointer to --help; --help shows the defaults.
 */
import { Redis as IORedis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { binPath, killGroup, startProcess, type StartedProcess } from "./support/BinProcess.js"
import { runCli, waitFor } from "./support/Cli.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

let server: RedisServerHandle
let redis: IORedis
let env: Record<string, string>

beforeAll(async () => {
  server = await startRedisServer()
  redis = new IORedis(server.url)
  // The sources, even when someone's `npm run build` left a dist/jobs.mjs older than them.
  env = { REDIS_URL: server.url, EFFECT_JOBS_FROM_SOURCE: "1", RESULT_STORE_DIR: `${server.dir}/results` }
})

afterAll(async () => {
  redis.disconnect()
  await server.stop(true)
})

/** A trainer job long enough (100k steps, minutes) to still be running when the worker is stopped. */
const enqueueLongJob = async (): Promise<string> => {
  const enqueued = await runCli(["enqueue", "--domain", "trainer", "--user-id", "1", "--payload", JSON.stringify({ model_family: "char-mlp", steps: 100_000 })], env)
  expect(enqueued.code, enqueued.stderr).toBe(0)
  return enqueued.stdout.trim()
}

/** Waits until the job runs, sends `signal`, and checks the drain: job handed back, no process left. */
const drainsOn = async (
  signal: NodeJS.Signals,
  started: StartedProcess,
  jobId: string,
  expectedExit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } = { code: 0, signal: null }
) => {
  try {
    await waitFor(async () => (await redis.hget(`trainer:job:${jobId}`, "status")) === "processing", 60_000, "the job to start")
    started.child.kill(signal)
    const exit = await started.exited
    expect(exit, started.output()).toEqual(expectedExit)
    // Drained: the running job was handed back (it would run for minutes, the grace period is 1 s).
    await waitFor(async () => (await redis.hget(`trainer:job:${jobId}`, "status")) === "queued", 10_000, "the job to be handed back")
    expect(await redis.hget(`trainer:job:${jobId}`, "message")).toBe("returned to queue: worker shutting down")
    await waitFor(() => !started.groupAlive(), 10_000, "every process of the group to be gone")
    expect(started.output()).toContain("job handed back on shutdown")
  } finally {
    killGroup(started)
  }
}

/** The worker runs in the process that was started: its worker id carries that PID. */
const workerRunsIn = (started: StartedProcess) => {
  expect(started.output()).toMatch(new RegExp(`worker: '[^:]+:${started.pid}:`))
}

/** Through the bin (run by node like any script entry), as a user would type it. */
const viaBin = (...args: Array<string>) => runCli(args, env, 30_000, { _tag: "Bundle", file: binPath })
const pointer = (command: string) => `run \`effect-jobs ${command}--help\` for usage`
const help = async (command: string) => (await viaBin(command, "--help")).stdout

describe("the CLI as a process", () => {
  it("SIGTERM to the effect-jobs bin's PID drains a busy worker, which is the bin itself (no child)", async () => {
    const jobId = await enqueueLongJob()
    const bin = startProcess(binPath, ["worker", "--domain", "trainer", "--grace-ms", "1000"], env)
    await waitFor(() => bin.output().includes("worker serving trainer"), 30_000, "the worker to start")
    // No process in between: (tsx may run an esbuild service beside it, which ends with its parent.)
    workerRunsIn(bin)
    await drainsOn("SIGTERM", bin, jobId)
  }, 120_000)

  it("SIGHUP (a closed terminal) drains like SIGTERM", async () => {
    const jobId = await enqueueLongJob()
    const bin = startProcess(binPath, ["worker", "--domain", "trainer", "--grace-ms", "1000"], env)
    await waitFor(() => bin.output().includes("worker serving trainer"), 30_000, "the worker to start")
    await drainsOn("SIGHUP", bin, jobId)
  }, 120_000)

  it("SIGTERM to `npm run jobs -- worker` reaches the worker, which drains; npm exits 0", async () => {
    const jobId = await enqueueLongJob()
    const npm = startProcess("npm", ["run", "--silent", "jobs", "--", "worker", "--domain", "trainer", "--grace-ms", "1000"], env)
    await waitFor(() => npm.output().includes("worker serving trainer"), 30_000, "the worker to start")
    await drainsOn("SIGTERM", npm, jobId)
  }, 120_000)

  it("SIGTERM to `npx effect-jobs worker` kills only npm's sh; the orphaned worker notices and drains", async () => {
    const jobId = await enqueueLongJob()
    const npx = startProcess("npx", ["--no-install", "effect-jobs", "worker", "--domain", "trainer", "--grace-ms", "1000"], env)
    await waitFor(() => npx.output().includes("worker serving trainer"), 30_000, "the worker to start")
    // npm exits with its sh at once (re-raising the signal); the worker drains on its own after it.
    await drainsOn("SIGTERM", npx, jobId, { code: null, signal: "SIGTERM" })
  }, 120_000)

  it("usage errors: one line, a pointer to --help, exit code 2", async () => {
    const cases = await Promise.all([
      viaBin("enqueue", "--domain", "qr", "--user-id", "1", "--payload", "{}", "--bogus"),
      viaBin("enqueue", "--domain", "qr", "--payload", "{}"),
      viaBin("worker", "--domain", "qr", "--grace-ms", "soon"),
      viaBin("worker", "--domain", "qr", "--concurrency", "qr=0"),
      viaBin("worker"),
      viaBin("worker", "--domain", "qr", "--concurrency", "turkic=2"),
      viaBin("enqueue", "--domain", "qr", "--user-id", "1"),
      viaBin("frobnicate")
    ])
    const lines = cases.map((c) => ({ code: c.code, stdout: c.stdout, stderr: c.stderr.trim().split("\n") }))
    expect(lines).toEqual([
      { code: 2, stdout: "", stderr: ["error: Unrecognized flag: --bogus in command effect-jobs enqueue", pointer("enqueue ")] },
      { code: 2, stdout: "", stderr: ["error: Missing required flag: --user-id", pointer("enqueue ")] },
      { code: 2, stdout: "", stderr: [expect.stringMatching(/^error: Invalid value for flag --grace-ms: "soon"/), pointer("worker ")] },
      { code: 2, stdout: "", stderr: [`error: Invalid value for flag --concurrency: "qr=0". Expected: N or domain=N, N a positive integer`, pointer("worker ")] },
      { code: 2, stdout: "", stderr: ["error: give --domain (repeatable) or --all", pointer("worker ")] },
      { code: 2, stdout: "", stderr: ["error: --concurrency turkic=2: this worker does not serve turkic (it serves qr)", pointer("worker ")] },
      { code: 2, stdout: "", stderr: ["error: missing payload: give --payload JSON, --payload - (stdin) or --payload-file FILE", pointer("enqueue ")] },
      { code: 2, stdout: "", stderr: [`error: Unknown subcommand "frobnicate" for "effect-jobs"`, pointer("")] }
    ])
  }, 60_000)

  it("--help shows every default", async () => {
    const [worker, serve, enqueue] = await Promise.all([help("worker"), help("serve"), help("enqueue")])
    expect(worker).toContain("USAGE\n  effect-jobs worker [flags]")
    for (const shown of ["--all  ", "(default: false)", "(default: 4)", "(default: 2 from concurrency 8 up, else 1)", "(default: 10000)", "(default: off)", "(default: 127.0.0.1)"]) {
      expect(worker).toContain(shown)
    }
    expect(serve).toContain("(default: 8080)")
    expect(serve).toContain("(default: every domain with a registered job)")
    for (const shown of ["--payload json|-", "--payload-file file", "(default: a random UUID)", "(default: system)", "(default: JOBS_MAX_ATTEMPTS, 3)"]) {
      expect(enqueue).toContain(shown)
    }
  }, 60_000)
})
