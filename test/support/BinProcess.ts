/**
 * A CLI process started the way an operator or a process manager starts it (the `effect-jobs`
 * bin, or `npm run jobs --`), in a process group of its own so a test can tell whether anything
 * it started is still alive after it exits.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"

export const root = new URL("../../", import.meta.url).pathname
export const binPath = join(root, "bin", "effect-jobs.js")

export interface StartedProcess {
  readonly child: ChildProcess
  readonly pid: number
  readonly output: () => string
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  /** True while any process of its group (it, a child, a grandchild) is alive. */
  readonly groupAlive: () => boolean
}

export const startProcess = (command: string, args: ReadonlyArray<string>, env: Record<string, string>): StartedProcess => {
  // detached: its own process group (pgid = its pid), so the whole tree can be checked by group.
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true })
  const pid = child.pid ?? -1
  let text = ""
  child.stdout?.on("data", (d: Buffer) => { text += d.toString() })
  child.stderr?.on("data", (d: Buffer) => { text += d.toString() })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }))
  })
  return {
    child,
    pid,
    output: () => text,
    exited,
    groupAlive: () => {
      try {
        process.kill(-pid, 0)
        return true
      } catch {
        return false
      }
    }
  }
}

/** Kills whatever is left of the group: cleanup after a failed assertion. */
export const killGroup = (started: StartedProcess): void => {
  if (started.groupAlive()) process.kill(-started.pid, "SIGKILL")
}
