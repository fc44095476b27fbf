/**
 * Real worker processes for the fault tests. The worker entry (ChaosWorker.ts) is bundled once
 * with esbuild and run with plain `node`, so `kill -9` hits the worker itself (tsx would put a
 * wrapper process in between) and a restart takes one Node start-up, not a TypeScript compile.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { cpSync, mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"

const root = new URL("../../", import.meta.url).pathname

/**
 * Bundles the worker into node_modules/.cache (so its packages resolve from the repository)
 * with the Lua scripts beside it, where the runtime looks for them. Returns the entry path.
 */
export const buildChaosWorker = (): string => {
  const dir = join(root, "node_modules", ".cache", `chaos-worker-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const entry = join(dir, "ChaosWorker.mjs")
  const result = spawnSync(join(root, "node_modules", ".bin", "esbuild"), [
    join(root, "test", "support", "ChaosWorker.ts"), "--bundle", "--platform=node", "--format=esm",
    "--packages=external", `--outfile=${entry}`, "--log-level=warning"
  ], { encoding: "utf8" })
  if (result.status !== 0) throw new Error(`bundling the chaos worker failed: ${result.stderr}`)
  cpSync(join(root, "src", "runtime", "lua"), join(dir, "lua"), { recursive: true })
  return entry
}

export const removeChaosWorker = (entry: string): void => {
  rmSync(join(entry, ".."), { recursive: true, force: true })
}

export interface WorkerProcess {
  readonly pid: number
  /** True once the worker printed "ready" and until it exits. */
  readonly isReady: () => boolean
  readonly ready: Promise<void>
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  readonly hasExited: () => boolean
  /** Everything it wrote, stdout and stderr interleaved. */
  readonly output: () => string
  readonly kill: (signal: NodeJS.Signals) => void
}

const resolvable = () => {
  const handle: { resolve: () => void; promise: Promise<void> } = { resolve: () => undefined, promise: Promise.resolve() }
  handle.promise = new Promise<void>((resolve) => {
    handle.resolve = resolve
  })
  return handle
}

export const spawnWorker = (entry: string, concurrency: number, env: Readonly<Record<string, string>>): WorkerProcess => {
  const child: ChildProcess = spawn(process.execPath, [entry, String(concurrency)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let text = ""
  let ready = false
  let done = false
  const readyPromise = resolvable()
  const collect = (chunk: Buffer) => {
    text += chunk.toString("utf8")
    // Keep memory bounded over long runs: the tail is what a failure message needs.
    if (text.length > 2_000_000) text = text.slice(-1_000_000)
    if (!ready && text.includes("ready\n")) {
      ready = true
      readyPromise.resolve()
    }
  }
  child.stdout?.on("data", collect)
  child.stderr?.on("data", collect)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true
      ready = false
      resolve({ code, signal })
    })
  })
  return {
    pid: child.pid ?? -1,
    isReady: () => ready && !done,
    ready: readyPromise.promise,
    exited,
    hasExited: () => done,
    output: () => text,
    kill: (signal) => {
      if (!done) child.kill(signal)
    }
  }
}
