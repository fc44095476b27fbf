/**
 * A worker child process of the benchmark: one system's worker, so that its RSS and CPU are
 * its own. Started with a WorkerSpec as its only argument; talks to the harness over IPC.
 */
import { decodeToWorker, decodeWorkerSpec, type FromWorker, wallClockMs, type WorkerSpec } from "./protocol.js"
import type { Consumer, WorkerHooks, WorkerSettings } from "./systems/System.js"

const send = (message: FromWorker): void => {
  process.send?.(message)
}

// Only the system under test is loaded, so the worker's RSS holds no other library.
const loadConsumer = async (system: WorkerSpec["system"], settings: WorkerSettings, hooks: WorkerHooks): Promise<Consumer> => {
  switch (system) {
    case "ours":
      return (await import("./systems/ours.js")).oursConsumer(settings, hooks)
    case "bullmq":
      return (await import("./systems/bullmq.js")).bullmqConsumer(settings, hooks)
    case "bee-queue":
      return (await import("./systems/beeQueue.js")).beeQueueConsumer(settings, hooks)
  }
}

const main = async () => {
  const spec = decodeWorkerSpec(process.argv[2] ?? "")
  let completed = 0
  let lastReported = -1
  let lastAt = 0
  const startLatencies: Array<number> = []
  const hooks: WorkerHooks = {
    started: (payload) => {
      if (spec.recordStart && payload.t > 0) startLatencies.push(wallClockMs() - payload.t)
    },
    completed: () => {
      completed++
      lastAt = wallClockMs()
    }
  }
  const settings = { redisUrl: spec.redisUrl, queue: spec.queue, concurrency: spec.concurrency, progress: spec.progress }
  const consumer = await loadConsumer(spec.system, settings, hooks)

  let peakRss = process.memoryUsage.rss()
  let cpuAtGo = process.cpuUsage()
  // Reports progress in batches: one IPC message per job would cost the worker more than the job.
  // RSS is read on every 20th tick (100 ms): a read costs about 0.15 ms, as much as a job or more.
  let ticks = 0
  const reporter = setInterval(() => {
    consumer.poll?.()
    if (++ticks % 20 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss())
    if (completed !== lastReported) {
      lastReported = completed
      send({ _tag: "Completed", count: completed, at: lastAt })
    }
  }, 5)

  // The harness went away: nothing will ever ask this worker to stop.
  process.on("disconnect", () => process.exit(0))
  process.on("message", (raw: unknown) => {
    const message = decodeToWorker(raw)
    if (message._tag === "Go") {
      cpuAtGo = process.cpuUsage()
      void consumer.start()
      return
    }
    clearInterval(reporter)
    consumer.poll?.()
    peakRss = Math.max(peakRss, process.memoryUsage.rss())
    const cpu = process.cpuUsage(cpuAtGo)
    const cpuMs = (cpu.user + cpu.system) / 1000
    consumer.stop().finally(() => {
      // Exits once the report is sent: libraries may leave timers behind, and the harness has what it needs.
      process.send?.({ _tag: "Stopped", count: completed, peakRssBytes: peakRss, cpuMs, startLatenciesMs: startLatencies }, () => process.exit(0))
    })
  })
  send({ _tag: "Ready" })
}

main().catch((error: unknown) => {
  send({ _tag: "Failed", message: error instanceof Error ? error.stack ?? error.message : String(error) })
  process.exitCode = 1
})
