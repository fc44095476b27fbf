/**
 * Side-by-side queue benchmark: this runtime, BullMQ and bee-queue on one redis-server that
 * the harness starts itself (no persistence, free loopback port). Prints markdown tables and
 * writes every run to bench/results/queue-<time>.json. Run: npm run bench
 *
 * Environment (all optional):
 *   BENCH_N=20000          jobs per throughput run
 *   BENCH_REPEATS=3        runs per figure (median and spread are reported)
 *   BENCH_SYSTEMS=ours,bullmq,bee-queue
 *   BENCH_PARTS=throughput,latency,scale
 *   BENCH_CONCURRENCY=1,16,64   BENCH_PROGRESS=0,2,10
 *   BENCH_LATENCY_JOBS=2000 BENCH_LATENCY_RATE=500 BENCH_LATENCY_WARMUP=500
 *   BENCH_CPU_PROF=dir     write --cpu-prof profiles of our worker processes to dir
 *   BENCH_WORKER_TSX=1     run the worker processes from source through tsx instead of the bundle
 *
 * Worker processes run from a bundle of bench/queue/worker.ts built at the start (scripts/build.ts,
 * packages external), as a production worker runs from `npm run build`'s; all three systems alike.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { buildBundle } from "../../scripts/build.js"
import { startRedisServer } from "../../test/support/RedisServer.js"
import { cpus, loadavg } from "node:os"
import { Schema } from "effect"
import { SystemName } from "./protocol.js"
import { RedisStats } from "./RedisStats.js"
import { markdownTable, ratio, summarize, type Summary, withSpread } from "./report.js"
import { runLatency, runThroughput, type LatencyResult, type Target, type ThroughputResult } from "./workloads.js"
import { type WorkerEntry, workerSource } from "./WorkerProcess.js"

const env = (name: string, fallback: string): string => process.env[name]?.trim() || fallback
const intList = (name: string, fallback: string) => env(name, fallback).split(",").map((v) => Number.parseInt(v, 10))
const decodeSystem = Schema.decodeUnknownSync(SystemName)

const jobs = Number.parseInt(env("BENCH_N", "20000"), 10)
const repeats = Number.parseInt(env("BENCH_REPEATS", "3"), 10)
const systems = env("BENCH_SYSTEMS", "ours,bullmq,bee-queue").split(",").map((s) => decodeSystem(s.trim()))
const parts = new Set(env("BENCH_PARTS", "throughput,latency,scale").split(","))
const concurrencies = intList("BENCH_CONCURRENCY", "1,16,64")
const progresses = intList("BENCH_PROGRESS", "0,2,10")
const latencyJobs = Number.parseInt(env("BENCH_LATENCY_JOBS", "2000"), 10)
const latencyRate = Number.parseInt(env("BENCH_LATENCY_RATE", "500"), 10)
const latencyWarmup = Number.parseInt(env("BENCH_LATENCY_WARMUP", "500"), 10)
const scaleWorkers = [1, 2, 4]
const cpuProfileDir = process.env["BENCH_CPU_PROF"]
const workerViaTsx = env("BENCH_WORKER_TSX", "0") === "1"

const prepareWorkerEntry = async (): Promise<WorkerEntry> => {
  if (workerViaTsx) return { file: workerSource, viaTsx: true }
  // Inside the project, so the bundle's external packages resolve from its node_modules.
  const file = fileURLToPath(new URL("../../node_modules/.cache/bench-worker/worker.mjs", import.meta.url))
  await buildBundle(workerSource, file)
  return { file, viaTsx: false }
}

/** Runs `once` for every system, `repeats` times, interleaved so drift hits all systems alike. */
const repeated = async <T extends object>(label: string, once: (system: SystemName) => Promise<T>) => {
  const runs = new Map<SystemName, Array<T>>(systems.map((s) => [s, []]))
  for (let r = 0; r < repeats; r++) {
    for (const system of systems) {
      // One retry: a worker that fails to start (e.g. a source file caught mid-edit) should not end a long run.
      const result = await once(system).catch((error: unknown) => {
        console.error(`  ${label} ${system} run ${r + 1} failed, retrying once: ${error instanceof Error ? error.message : String(error)}`)
        return once(system)
      })
      runs.get(system)?.push(result)
      console.error(`  ${label} ${system} run ${r + 1}/${repeats}: ${JSON.stringify(result, (k, v: unknown) => (k === "byCommand" || k === "usecByCommand" ? undefined : typeof v === "number" ? Number(v.toFixed(3)) : v))}`)
    }
  }
  return runs
}

const summarizeField = <T extends object>(runs: ReadonlyArray<T>, pick: (t: T) => number): Summary => summarize(runs.map(pick))

const main = async () => {
  const workerEntry = await prepareWorkerEntry()
  const server = await startRedisServer()
  // An interrupted run still stops its redis-server (workers exit when the IPC channel closes).
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void server.stop(true).finally(() => {
        rmSync(server.dir, { recursive: true, force: true })
        process.exit(130)
      })
    })
  }
  const stats = await RedisStats.connect(server.url)
  const target: Target = cpuProfileDir === undefined ? { redisUrl: server.url, stats, workerEntry } : { redisUrl: server.url, stats, workerEntry, cpuProfileDir }
  const startedAt = new Date()
  const results: Record<string, unknown> = {
    startedAt: startedAt.toISOString(),
    machine: { cpus: cpus().length, node: process.version, redis: await stats.version() },
    /** Other work on the machine skews absolute figures; ratios within one run are what count. */
    loadAverageAtStart: loadavg(),
    settings: { jobs, repeats, systems, concurrencies, progresses, latencyJobs, latencyRate, latencyWarmup, workerViaTsx }
  }
  const output: Array<string> = []
  const dir = new URL("../results/", import.meta.url)
  mkdirSync(dir, { recursive: true })
  const file = new URL(`queue-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`, dir)
  // Written after every part, so an interrupted run keeps what it measured.
  const save = () => writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
  try {
    if (parts.has("throughput")) {
      const rows: Array<Array<string>> = []
      const cases: Array<unknown> = []
      for (const concurrency of concurrencies) {
        for (const progress of progresses) {
          const label = `C=${concurrency} P=${progress}`
          const runs = await repeated(label, (system) => runThroughput(target, system, { jobs, concurrency, progress, workers: 1 }))
          const median = (system: SystemName, pick: (t: ThroughputResult) => number) => summarizeField(runs.get(system) ?? [], pick).median
          for (const system of systems) {
            const r = runs.get(system) ?? []
            rows.push([
              label, system,
              withSpread(summarizeField(r, (t) => t.enqueuePerSec)),
              withSpread(summarizeField(r, (t) => t.processPerSec)),
              summarizeField(r, (t) => t.totalSec).median.toFixed(2),
              summarizeField(r, (t) => t.commandsPerJob).median.toFixed(1),
              summarizeField(r, (t) => t.redisCpuUsPerJob).median.toFixed(0),
              summarizeField(r, (t) => t.workerCpuUsPerJob).median.toFixed(0),
              summarizeField(r, (t) => t.workerRssMb).median.toFixed(0),
              system === "ours" ? ratio(median("ours", (t) => t.processPerSec), median("bullmq", (t) => t.processPerSec)) : "",
              system === "ours" ? ratio(median("ours", (t) => t.enqueuePerSec), median("bullmq", (t) => t.enqueuePerSec)) : "",
              system === "ours" ? ratio(median("ours", (t) => t.processPerSec), median("bee-queue", (t) => t.processPerSec)) : ""
            ])
          }
          cases.push({ concurrency, progress, runs: Object.fromEntries(runs) })
          results["throughput"] = cases
          save()
        }
      }
      results["throughput"] = cases
      save()
      output.push(`Throughput: ${jobs} no-op jobs, bulk enqueue then one worker process; median of ${repeats} (± half the range)\n`,
        markdownTable(["C, P", "system", "enqueue jobs/s", "process jobs/s", "total s", "Redis cmds/job", "Redis CPU µs/job", "worker CPU µs/job", "worker RSS MB",
          "process vs BullMQ", "enqueue vs BullMQ", "process vs bee-queue"], rows), "")
    }
    if (parts.has("latency")) {
      const runs = await repeated("latency", (system) => runLatency(target, system, latencyJobs, latencyRate, latencyWarmup))
      results["latency"] = Object.fromEntries(runs)
      save()
      const rows = systems.map((system) => {
        const r: ReadonlyArray<LatencyResult> = runs.get(system) ?? []
        const f = (pick: (l: LatencyResult) => number) => withSpread(summarizeField(r, pick), 2)
        return [system, f((l) => l.startP50Ms), f((l) => l.startP99Ms), f((l) => l.completeP50Ms), f((l) => l.completeP99Ms)]
      })
      output.push(`Latency: one idle worker (C=16), ${latencyJobs} jobs added one at a time at ${latencyRate}/s after ${latencyWarmup} unmeasured ones; ms, median of ${repeats}\n`,
        markdownTable(["system", "enqueue→start p50", "enqueue→start p99", "enqueue→completed seen p50", "enqueue→completed seen p99"], rows), "")
    }
    if (parts.has("scale")) {
      const rows: Array<Array<string>> = []
      const cases: Array<unknown> = []
      for (const workers of scaleWorkers) {
        const runs = await repeated(`scale ${workers} workers`, (system) => runThroughput(target, system, { jobs, concurrency: 16, progress: 2, workers }))
        const bull = summarizeField(runs.get("bullmq") ?? [], (t) => t.processPerSec).median
        for (const system of systems) {
          const s = summarizeField(runs.get(system) ?? [], (t) => t.processPerSec)
          rows.push([String(workers), system, withSpread(s), system === "ours" ? ratio(s.median, bull) : ""])
        }
        cases.push({ workers, runs: Object.fromEntries(runs) })
        results["scale"] = cases
        save()
      }
      results["scale"] = cases
      output.push(`Scale: ${jobs} jobs, C=16 and P=2 per worker process; process jobs/s, median of ${repeats}\n`,
        markdownTable(["worker processes", "system", "process jobs/s", "vs BullMQ"], rows), "")
    }
  } finally {
    await stats.close()
    await server.stop(true)
    rmSync(server.dir, { recursive: true, force: true })
  }
  results["finishedAt"] = new Date().toISOString()
  results["loadAverageAtEnd"] = loadavg()
  save()
  console.log(output.join("\n"))
  console.log(`machine: ${JSON.stringify(results["machine"])}; load average at end ${loadavg().map((l) => l.toFixed(1)).join(" ")}; wall time ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s; results: ${file.pathname}`)
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : String(error))
  process.exit(1)
})
