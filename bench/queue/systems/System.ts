/** What the harness needs from each queue system: a producer side and a worker side. */
import type { BenchPayload } from "../protocol.js"

/** Jobs per bulk-enqueue call, the same for every system. */
export const bulkChunk = 1_000

export interface Producer {
  /** Adds the jobs with the system's own bulk call, `bulkChunk` jobs per call. */
  readonly addBulk: (payloads: ReadonlyArray<BenchPayload>) => Promise<void>
  /** Adds one job; resolves to its id. */
  readonly addOne: (payload: BenchPayload) => Promise<string>
  /** Listens for completions the way an application would; resolves once listening. */
  readonly listenCompleted: (onCompleted: (jobId: string) => void) => Promise<void>
  readonly close: () => Promise<void>
}

export interface WorkerHooks {
  /** Called as the handler starts, with the job's payload. */
  readonly started: (payload: BenchPayload) => void
  /** Called once per job the system reports as completed (after its state is written). */
  readonly completed: () => void
}

export interface Consumer {
  /** Starts processing (connections are already open). */
  readonly start: () => Promise<void>
  /** Stops and closes connections. */
  readonly stop: () => Promise<void>
  /** Called on every report tick (5 ms), by systems that read their completions instead of being told. */
  readonly poll?: () => void
}

export interface WorkerSettings {
  readonly redisUrl: string
  readonly queue: string
  readonly concurrency: number
  readonly progress: number
}

/** Reads the `t` field of a payload that crossed a system's serialisation. */
export const payloadTime = (data: unknown): number =>
  typeof data === "object" && data !== null && "t" in data && typeof data.t === "number" ? data.t : 0
