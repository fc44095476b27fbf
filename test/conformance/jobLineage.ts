/**
 * JobService.lineage: a service job's runtime runs (`svc-<uuid>-<n>`) looked up in the telemetry
 * store of the same database, each with the tree of jobs it enqueued; the permission of `history`.
 * Run on the embedded PGlite and on a real PostgreSQL (with a real redis-server behind `start`).
 */
import { randomUUID } from "node:crypto"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { makeJobCompletedTelemetry, makeJobStartedTelemetry, type TelemetryEvent } from "../../src/contracts/Telemetry.js"
import { JobService } from "../../src/services/jobs/JobService.js"
import { lineageRuns, runtimeIdsOfJob, runtimeKey } from "../../src/services/jobs/runtimeIds.js"
import type { Database } from "../../src/sql/Database.js"
import type { LineageNode } from "../../src/telemetry/Lineage.js"
import { defaultStoreSettings, layerWith, TelemetryStore } from "../../src/telemetry/TelemetryStore.js"
import { recordOf } from "../support/TelemetryEvents.js"
import { freshCast, freshDomain, jobServiceLayer, outcome } from "./jobServiceSupport.js"

/** A completed attempt of `job` (enqueued by `parent`), `at` ms. */
const completed = (domain: string, job: string, parent: string | undefined, at: number): ReadonlyArray<TelemetryEvent> => {
  const ctx = {
    job_id: job, job_execution_id: `${job}/1`, task: domain, marketplace: "none", category: domain,
    correlation_id: "corr-svc", ...(parent === undefined ? {} : { parent_job_id: parent })
  }
  return [
    makeJobStartedTelemetry(ctx, { event_id: randomUUID(), timestamp: new Date(at).toISOString() }),
    makeJobCompletedTelemetry(ctx, { event_id: randomUUID(), timestamp: new Date(at + 10).toISOString() }, { latency_ms: 10 })
  ]
}

const shape = (node: LineageNode): unknown => [node.job_id, node.status, node.children.map(shape)]

export const jobLineageSuite = (databaseName: string, database: Layer.Layer<Database, unknown>) =>
  layer(layerWith(defaultStoreSettings).pipe(Layer.provideMerge(jobServiceLayer(database))), { excludeTestServices: true, timeout: "60 seconds" })(
    `JobService.lineage on ${databaseName}`,
    (it) => {
      it.effect("a started job's run heads the tree of the jobs it enqueued; same permission as history", () =>
        Effect.gen(function*() {
          const jobs = yield* JobService
          const store = yield* TelemetryStore
          const cast = freshCast()
          const domain = freshDomain("lineage")
          const job = yield* jobs.create(cast.owner, { domain, name: "parent", payload: {} })
          // Before a run, and before any telemetry of a run: an empty lineage, not an error.
          assert.deepStrictEqual(yield* jobs.lineage(cast.owner, job.id), { job_id: job.id, runtime_jobs: [] })
          yield* jobs.start(cast.owner, job.id)
          assert.deepStrictEqual((yield* jobs.lineage(cast.owner, job.id)).runtime_jobs, [])

          const run = `svc-${job.id}-1`
          const child = `child-${randomUUID()}`
          const grandchild = `grand-${randomUUID()}`
          const t = Date.now() - 60_000
          yield* store.insert(domain, [
            ...completed(domain, run, undefined, t),
            ...completed(domain, child, run, t + 100),
            ...completed(domain, grandchild, child, t + 200),
            ...completed(domain, `stranger-${randomUUID()}`, `svc-${randomUUID()}-1`, t)
          ].map(recordOf))

          const found = yield* jobs.lineage(cast.owner, job.id)
          assert.strictEqual(found.job_id, job.id)
          assert.deepStrictEqual(found.runtime_jobs.map(shape), [[run, "completed", [[child, "completed", [[grandchild, "completed", []]]]]]])
          assert.strictEqual(found.runtime_jobs[0]?.children[0]?.correlation_id, "corr-svc")
          assert.strictEqual(yield* outcome(jobs.lineage(cast.admin, job.id)), "ok")
          // Another user does not learn the job exists.
          assert.strictEqual(yield* outcome(jobs.lineage(cast.other, job.id)), "NotFound")
          assert.strictEqual(yield* outcome(jobs.lineage(cast.owner, randomUUID())), "NotFound")
        }))

      it("runtime ids of a job: its runs latest first (bounded), else the one runtime job it names", () => {
        const id = randomUUID()
        const of = (key: string | null) => runtimeIdsOfJob({ id, domain: "qr", runtime_job_id: key })
        assert.deepStrictEqual(of(null), [])
        assert.deepStrictEqual(of(runtimeKey("qr", `svc-${id}-3`)), [`svc-${id}-3`, `svc-${id}-2`, `svc-${id}-1`])
        assert.strictEqual(of(runtimeKey("qr", `svc-${id}-500`)).length, lineageRuns)
        assert.deepStrictEqual(of(runtimeKey("qr", "plain-runtime-job")), ["plain-runtime-job"])
        assert.deepStrictEqual(of(runtimeKey("qr", `repeat:job-${id}:1700000000000`)), [`repeat:job-${id}:1700000000000`])
      })
    }
  )
