/** Starts a worker child process (bench/queue/worker.ts) and follows what it reports. */
import { type ChildProcess, fork } from "node:child_process"
import { fileURLToPath } from "node:url"
import { decodeFromWorker, encodeWorkerSpec, type ToWorker, wallClockMs, type WorkerSpec } from "./protocol.js"

/** bench/queue/worker.ts itself; run through tsx, or bundled (scripts/build.ts) and run by plain node. */
export const workerSource = fileURLToPath(new URL("./worker.ts", import.meta.url))

/** The worker program: its bundle (plain node), or `workerSource` through tsx. */
export interface WorkerEntry {
  readonly file: string
  readonly viaTsx: boolean
}

export interface StoppedWorker {
  readonly count: number
  readonly peakRssBytes: number
  readonly cpuMs: number
  readonly startLatenciesMs: ReadonlyArray<number>
}

export interface WorkerProcess {
  /** Jobs this worker has reported completed, and when the last of them completed. */
  readonly completed: () => { readonly count: number; readonly at: number }
  readonly go: () => void
  readonly stop: () => Promise<StoppedWorker>
}

/** `cpuProfileDir` turns on `--cpu-prof` for the child, writing its profile there. */
export const startWorkerProcess = (spec: WorkerSpec, entry: WorkerEntry, cpuProfileDir?: string): Promise<WorkerProcess> =>
  new Promise((resolve, reject) => {
    // BENCH_WORKER_NODE_FLAGS: extra Node/V8 flags for every system's worker processes alike.
    const extra = (process.env["BENCH_WORKER_NODE_FLAGS"] ?? "").split(" ").filter((flag) => flag !== "")
    const execArgv = [
      ...(entry.viaTsx ? ["--import", "tsx"] : []),
      ...extra,
      ...(cpuProfileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", cpuProfileDir])
    ]
    const child: ChildProcess = fork(entry.file, [encodeWorkerSpec(spec)], { execArgv, stdio: ["ignore", "ignore", "inherit", "ipc"] })
    let count = 0
    let at = 0
    let onStopped: ((stopped: StoppedWorker) => void) | undefined
    let failure: Error | undefined
    const post = (message: ToWorker) => child.send(message)
    child.on("exit", (code) => {
      if (onStopped === undefined && code !== 0) {
        failure = new Error(`${spec.system} worker exited with code ${code}`)
        reject(failure)
      }
    })
    child.on("message", (raw: unknown) => {
      const message = decodeFromWorker(raw)
      switch (message._tag) {
        case "Ready":
          resolve({
            completed: () => ({ count, at }),
            go: () => post({ _tag: "Go" }),
            stop: () =>
              new Promise((done, fail) => {
                if (failure !== undefined) return fail(failure)
                onStopped = done
                post({ _tag: "Stop" })
              })
          })
          return
        case "Completed":
          count = message.count
          at = message.at
          return
        case "Stopped":
          onStopped?.(message)
          return
        case "Failed":
          failure = new Error(`${spec.system} worker failed: ${message.message}`)
          reject(failure)
      }
    })
  })

/** Resolves when `done()` holds, checking every few ms; rejects after `timeoutMs`. */
export const waitUntil = (done: () => boolean, timeoutMs: number, what: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const deadline = wallClockMs() + timeoutMs
    const check = () => {
      if (done()) return resolve()
      if (wallClockMs() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
      setTimeout(check, 2)
    }
    check()
  })

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
