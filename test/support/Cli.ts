/**
 * Runs the real CLI (`node --import tsx src/main.ts ...`) as a child process, as an operator would.
 * Node itself is the child (not the tsx launcher, which would run Node as a grandchild), so a
 * signal from a test reaches the worker and a SIGKILL leaves no process behind.
 */
import { type ChildProcess, spawn } from "node:child_process"

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The sources through tsx, or a built bundle (scripts/build.ts) run by plain node. */
export type CliEntry = { readonly _tag: "Sources" } | { readonly _tag: "Bundle"; readonly file: string }

const sources: CliEntry = { _tag: "Sources" }

const cli = (args: ReadonlyArray<string>, entry: CliEntry) =>
  entry._tag === "Sources" ? ["--import", "tsx", "src/main.ts", ...args] : [entry.file, ...args]

export const runCli = (args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs = 30_000, entry: CliEntry = sources): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cli(args, entry), { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString() })
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`jobs ${args.join(" ")} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

export interface LongRunning {
  readonly child: ChildProcess
  readonly output: () => string
  /** Sends a signal and resolves with the exit code. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

export const startCli = (args: ReadonlyArray<string>, env: Record<string, string>, entry: CliEntry = sources): LongRunning => {
  const child = spawn(process.execPath, cli(args, entry), { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  child.stdout?.on("data", (d: Buffer) => { output += d.toString() })
  child.stderr?.on("data", (d: Buffer) => { output += d.toString() })
  return {
    child,
    output: () => output,
    stop: (signal = "SIGTERM") =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode)
        child.once("exit", (code) => resolve(code))
        child.kill(signal)
      })
  }
}

export const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}
