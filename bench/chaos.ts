/**
 * The fault scenarios of test/chaos.test.ts at a larger size, one after another, with a table:
 * scenario, jobs, faults injected, completed, lost, completed twice, time. Exits 1 if any job
 * was lost or completed twice, if cancel p99 is over 100 ms, or if under OOM or BUSY a job was
 * dead-lettered or failed or a worker did not claim again afterwards.
 * Run: npm run bench:chaos  (CHAOS_JOBS=3000, CHAOS_REFUSAL_JOBS=20000 by default)
 */
import { Effect } from "effect"
import type { ScenarioResult } from "../test/support/ChaosHarness.js"
import { badInput, cancelRunning, killStorm, percentile, redisRestart, redisStall } from "../test/support/ChaosScenarios.js"
import { buildChaosWorker, removeChaosWorker } from "../test/support/WorkerProcess.js"
import { redisBusy, redisOom } from "../test/support/ChaosRefusal.js"

const jobs = Number(process.env["CHAOS_JOBS"] ?? "3000")
/** The OOM and BUSY scenarios run this many jobs (they are about a worker under load meeting the fault). */
const refusalJobs = Number(process.env["CHAOS_REFUSAL_JOBS"] ?? "20000")

const table = (rows: ReadonlyArray<ScenarioResult>): string => {
  const header = ["scenario", "jobs", "faults", "completed", "lost", "completed-twice", "time", "notes"]
  const lines = rows.map((r) => [
    r.scenario, String(r.jobs), String(r.faults), String(r.completed), String(r.lost), String(r.completedTwice),
    `${(r.ms / 1000).toFixed(1)} s`, r.notes
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)))
  const format = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()
  return [format(header), format(widths.map((w) => "-".repeat(w))), ...lines.map(format)].join("\n")
}

const main = Effect.gen(function*() {
  const entry = buildChaosWorker()
  const rows: Array<ScenarioResult> = []
  const step = <A extends ScenarioResult>(run: Effect.Effect<A>) =>
    run.pipe(Effect.tap((r) => Effect.sync(() => {
      rows.push(r)
      process.stderr.write(`${r.scenario}: done in ${(r.ms / 1000).toFixed(1)} s\n`)
    })))
  const storm = { workers: 3, concurrency: 8 }
  yield* step(killStorm(entry, { ...storm, jobs, killEveryMs: 300, produceMs: 15_000, stormMs: 60_000, jobMs: 50 }))
  yield* step(redisRestart(entry, { ...storm, jobs, jobMs: 20 }))
  yield* step(redisStall(entry, { ...storm, jobs, jobMs: 20, stallMs: 3_000 }))
  const cancel = yield* step(cancelRunning(entry, { jobs: 50, workers: 3 }))
  yield* step(badInput(entry, { jobs: Math.min(jobs, 1000), workers: 3 }))
  const refusal = { ...storm, jobs: refusalJobs, jobMs: 20, afterJobs: 500 }
  const refusals = [
    yield* step(redisOom(entry, { ...refusal, faultMs: 15_000 })),
    yield* step(redisBusy(entry, { ...refusal, faultMs: 1_000 }))
  ]
  removeChaosWorker(entry)
  console.log(table(rows))
  const p99 = percentile(cancel.latenciesMs, 99)
  const broken = rows.filter((r) => r.lost > 0 || r.completedTwice > 0).map((r) => r.scenario)
  // Refused writes must not end jobs for the runtime's reasons, nor stop a worker claiming.
  for (const r of refusals) {
    if (r.deadLettered > 0 || r.failed > 0 || r.claimingAfter < storm.workers) broken.push(`${r.scenario} (${r.notes})`)
  }
  if (broken.length > 0) console.log(`FAILED: jobs lost, completed twice, or ended or left unclaimed by a refused write in ${broken.join(", ")}`)
  if (p99 > 100) console.log(`FAILED: cancel p99 ${p99.toFixed(1)} ms is over the 100 ms target`)
  if (broken.length > 0 || p99 > 100) process.exitCode = 1
})

Effect.runPromise(main).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
