/**
 * The three measurements, each one run of one system on a freshly flushed Redis:
 * throughput (bulk enqueue, then K worker processes drain the queue), and latency
 * (an idle worker, jobs added one at a time at a fixed rate).
 */
import { type SystemName, wallClockMs } from "./protocol.js"
import type { RedisStats } from "./RedisStats.js"
import { sleep, startWorkerProcess, waitUntil, type WorkerEntry } from "./WorkerProcess.js"
import { beeQueueProducer } from "./systems/beeQueue.js"
import { bullmqProducer } from "./systems/bullmq.js"
import { oursProducer } from "./systems/ours.js"
import type { Producer } from "./systems/System.js"

export interface Target {
  readonly redisUrl: string
  readonly stats: RedisStats
  readonly workerEntry: WorkerEntry
  /** Directory for `--cpu-prof` output of our workers, when profiling. */
  readonly cpuProfileDir?: string
}

const queueName = "bench"

const makeProducer = (system: SystemName, redisUrl: string): Promise<Producer> =>
  system === "ours" ? oursProducer(redisUrl) : system === "bullmq" ? bullmqProducer(redisUrl, queueName) : beeQueueProducer(redisUrl, queueName)

export interface ThroughputResult {
  readonly enqueuePerSec: number
  readonly processPerSec: number
  readonly totalSec: number
  readonly commandsPerJob: number
  readonly enqueueCommandsPerJob: number
  readonly redisCpuUsPerJob: number
  /** Client writes Redis read per job, all connections: round trips, counting a pipelined batch once. */
  readonly socketReadsPerJob: number
  /** CPU time of the worker processes per job (user + system), less sensitive to other load than jobs/s. */
  readonly workerCpuUsPerJob: number
  /** Largest peak RSS among the worker processes. */
  readonly workerRssMb: number
  readonly byCommand: Readonly<Record<string, number>>
  readonly usecByCommand: Readonly<Record<string, number>>
}

export interface ThroughputCase {
  readonly jobs: number
  readonly concurrency: number
  readonly progress: number
  readonly workers: number
}

export const runThroughput = async (target: Target, system: SystemName, work: ThroughputCase): Promise<ThroughputResult> => {
  await target.stats.reset()
  const spec = { system, redisUrl: target.redisUrl, queue: queueName, concurrency: work.concurrency, progress: work.progress, recordStart: false }
  const profileDir = system === "ours" ? target.cpuProfileDir : undefined
  const workers = await Promise.all(Array.from({ length: work.workers }, () => startWorkerProcess(spec, target.workerEntry, profileDir)))
  const producer = await makeProducer(system, target.redisUrl)
  const payloads = Array.from({ length: work.jobs }, () => ({ t: 0 }))

  const enqueueStart = wallClockMs()
  await producer.addBulk(payloads)
  const enqueueMs = wallClockMs() - enqueueStart
  const afterEnqueue = await target.stats.read()

  const processStart = wallClockMs()
  for (const worker of workers) worker.go()
  const done = () => workers.reduce((sum, w) => sum + w.completed().count, 0) >= work.jobs
  await waitUntil(done, 300_000, `${system} to process ${work.jobs} jobs`)
  const processMs = Math.max(...workers.map((w) => w.completed().at)) - processStart
  const cost = await target.stats.read()

  const stopped = await Promise.all(workers.map((w) => w.stop()))
  await producer.close()
  return {
    enqueuePerSec: work.jobs / (enqueueMs / 1000),
    processPerSec: work.jobs / (processMs / 1000),
    totalSec: (enqueueMs + processMs) / 1000,
    commandsPerJob: cost.commands / work.jobs,
    enqueueCommandsPerJob: afterEnqueue.commands / work.jobs,
    redisCpuUsPerJob: (cost.cpuMs * 1000) / work.jobs,
    socketReadsPerJob: (cost.socketReads - afterEnqueue.socketReads) / work.jobs,
    workerCpuUsPerJob: (stopped.reduce((sum, s) => sum + s.cpuMs, 0) * 1000) / work.jobs,
    workerRssMb: Math.max(...stopped.map((s) => s.peakRssBytes)) / 2 ** 20,
    byCommand: cost.byCommand,
    usecByCommand: cost.usecByCommand
  }
}

export interface LatencyResult {
  readonly startP50Ms: number
  readonly startP99Ms: number
  readonly completeP50Ms: number
  readonly completeP99Ms: number
}

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
}

/** One worker at C=16 already waiting; `jobs` added one at a time, `perSec` a second, on a fixed schedule. */
/**
 * `warmup` jobs go first on the same schedule and are not measured (their payload time is 0):
 * the figures are those of a running worker, not of a process still compiling its code paths.
 */
export const runLatency = async (target: Target, system: SystemName, jobs: number, perSec: number, warmup: number): Promise<LatencyResult> => {
  await target.stats.reset()
  const spec = { system, redisUrl: target.redisUrl, queue: queueName, concurrency: 16, progress: 0, recordStart: true }
  const worker = await startWorkerProcess(spec, target.workerEntry)
  worker.go()
  const producer = await makeProducer(system, target.redisUrl)
  const completedAt = new Map<string, number>()
  await producer.listenCompleted((jobId) => completedAt.set(jobId, wallClockMs()))
  // Let the worker reach its blocking wait and the listener its subscription.
  await sleep(500)

  const enqueuedAt = new Map<string, number>()
  const adds: Array<Promise<void>> = []
  const start = wallClockMs() + 5
  for (let i = 0; i < warmup + jobs; i++) {
    const due = start + (i * 1000) / perSec
    // Timers, not a busy wait: spinning for the last millisecond took most of a core from the
    // worker and Redis on a small machine. A job may go out up to a timer tick late; its latency
    // is measured from when it actually went out.
    const wait = due - wallClockMs()
    if (wait >= 1) await sleep(Math.floor(wait))
    const t = wallClockMs()
    if (i < warmup) adds.push(producer.addOne({ t: 0 }).then(() => undefined))
    else adds.push(producer.addOne({ t }).then((jobId) => void enqueuedAt.set(jobId, t)))
  }
  await Promise.all(adds)
  await waitUntil(() => completedAt.size >= warmup + jobs, 60_000, `${system} listener to see ${warmup + jobs} completions`)
  const stopped = await worker.stop()
  await producer.close()
  const toComplete = [...enqueuedAt].map(([jobId, t]) => (completedAt.get(jobId) ?? Number.NaN) - t)
  return {
    startP50Ms: percentile(stopped.startLatenciesMs, 50),
    startP99Ms: percentile(stopped.startLatenciesMs, 99),
    completeP50Ms: percentile(toComplete, 50),
    completeP99Ms: percentile(toComplete, 99)
  }
}
