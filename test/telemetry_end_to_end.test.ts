/**
 * Issue 19 end to end: real workers on a real redis-server with the durable telemetry log run a parent
 * job that enqueues a child (which fails its first attempt and is retried); the TelemetryProjector
 * moves both domains' `{domain}:telemetry:log` into the event store on the embedded PGlite, with a
 * projector that dies between insert and XACK and a re-read of the whole log on the way; the store
 * holds each event once and `lineage(parent)` is parent -> child with their final statuses.
 */
import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Schema, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { JobContext } from "../src/runtime/JobContext.js"
import { defineJob } from "../src/runtime/JobDefinition.js"
import { JobSystemError } from "../src/runtime/JobErrors.js"
import { Producer } from "../src/runtime/Producer.js"
import { RedisClient } from "../src/redis/RedisClient.js"
import { ResultStore } from "../src/runtime/ResultStore.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../src/runtime/RuntimeLayer.js"
import { startWorker } from "../src/runtime/Worker.js"
import { WorkerTelemetry } from "../src/runtime/worker/telemetry.js"
import { replyArray, replyNumber } from "../src/redis/RedisReply.js"
import * as Database from "../src/sql/Database.js"
import { migrate } from "../src/sql/Migrations.js"
import type { LineageNode } from "../src/telemetry/Lineage.js"
import { telemetryLogKey } from "../src/telemetry/TelemetryEmitter.js"
import * as TelemetryProjector from "../src/telemetry/TelemetryProjector.js"
import { defaultStoreSettings, layerWith, TelemetryStore } from "../src/telemetry/TelemetryStore.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

const childJob = defineJob({
  domain: "e2e_child",
  payload: Schema.Struct({ n: Schema.Int }),
  run: () =>
    Effect.gen(function*() {
      if ((yield* JobContext).info.attempt === 1) return yield* new JobSystemError({ message: "first attempt fails" })
      return { resultId: "child", resultBytes: 1 }
    })
})

/** Enqueues one child from inside the running job: it inherits the correlation id, this job is its parent. */
const parentJob = defineJob({
  domain: "e2e_parent",
  payload: Schema.Struct({ n: Schema.Int }),
  run: ({ n }) =>
    Effect.gen(function*() {
      const child = yield* Effect.orDie((yield* Producer).enqueue(childJob, { n }, { userId: 1n, maxAttempts: 3 }))
      return { resultId: child.jobId, resultBytes: 1 }
    })
})

const redis = redisClientOnServer.pipe(Layer.provide(RedisServer.layer()))
const runtime = Layer.mergeAll(Producer.layerWithJobs([parentJob, childJob]), ResultStore.layerMemory({ maxBytes: 1024 * 1024 })).pipe(
  Layer.provideMerge(runtimeLayer(redis, RuntimeConfig.layerWith({ leaseMs: 5_000, defaultBackoffMs: 10 })))
)
const store = layerWith(defaultStoreSettings).pipe(Layer.provideMerge(Layer.effectDiscard(migrate).pipe(Layer.provideMerge(Database.layerEmbedded()))))

const recordField = (domain: string, jobId: string, field: string) =>
  Effect.flatMap(Effect.service(RedisClient), (client) => client.send("HGET", `${domain}:job:${jobId}`, field))

const until = <E, R>(check: Effect.Effect<boolean, E, R>, what: string, timeoutMs = 20_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (yield* Effect.orElseSucceed(check, () => false)) return
      yield* Effect.sleep("25 millis")
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })

const pending = (domain: string) =>
  Effect.flatMap(Effect.service(RedisClient), (client) =>
    Effect.map(client.send("XPENDING", telemetryLogKey(domain), "telemetry-projector"), (reply) => replyNumber(replyArray(reply)?.[0] ?? null) ?? -1))

const logLength = (domain: string) =>
  Effect.flatMap(Effect.service(RedisClient), (client) => Effect.map(client.send("XLEN", telemetryLogKey(domain)), (reply) => replyNumber(reply) ?? -1))

const stored = (jobId: string) =>
  Effect.flatMap(Effect.service(SqlClient.SqlClient), (sql) =>
    sql<{ readonly event_type: string; readonly event_id: string; readonly correlation_id: string | null; readonly parent_job_id: string | null }>`
      SELECT event_type, event_id, correlation_id, parent_job_id FROM telemetry_events WHERE job_id = ${jobId}
      ORDER BY created_at, CASE event_type WHEN 'job.started' THEN 0 WHEN 'job.retrying' THEN 1 ELSE 2 END`)

const shape = (node: LineageNode): unknown => [node.job_id, node.status, node.children.map(shape)]

layer(Layer.merge(runtime, store).pipe(Layer.orDie), { excludeTestServices: true, timeout: "90 seconds" })("telemetry end to end on redis-server and PGlite", (it) => {
  it.effect("worker -> durable log -> projector (killed once, re-read once) -> store: each event once, lineage parent -> child", () =>
    Effect.gen(function*() {
      yield* startWorker(parentJob, { concurrency: 2, idleWaitMs: 20 }).pipe(Effect.provide(WorkerTelemetry.layerDurable))
      yield* startWorker(childJob, { concurrency: 2, idleWaitMs: 20 }).pipe(Effect.provide(WorkerTelemetry.layerDurable))
      const parent = yield* (yield* Producer).enqueue(parentJob, { n: 1 }, { userId: 1n, correlationId: "e2e-order-9" })
      yield* until(Effect.map(recordField("e2e_parent", parent.jobId, "status"), (s) => s === "completed"), "the parent to complete")
      const childId = String(yield* recordField("e2e_parent", parent.jobId, "result_id"))
      yield* until(Effect.map(recordField("e2e_child", childId, "status"), (s) => s === "completed"), "the child to complete")
      yield* until(Effect.map(logLength("e2e_child"), (n) => n === 4), "the child's 4 events in its log")

      // The child's projector dies after its first insert, before acknowledging it.
      const inserted = yield* Deferred.make<void>()
      const doomed = yield* Scope.make()
      yield* TelemetryProjector.run({
        domain: "e2e_child", consumer: "doomed", batch: 2, blockMs: 100, claimIdleMs: 60_000,
        afterInsert: () => Deferred.succeed(inserted, undefined).pipe(Effect.andThen(Effect.never))
      }).pipe(Scope.provide(doomed))
      yield* Deferred.await(inserted)
      yield* Scope.close(doomed, Exit.void)
      assert.strictEqual((yield* stored(childId)).length, 2)
      // Another takes over its pending entries; the parent's domain gets its own projector.
      const survivor = yield* TelemetryProjector.run({ domain: "e2e_child", consumer: "survivor", batch: 2, blockMs: 100, claimIdleMs: 200 })
      yield* TelemetryProjector.run({ domain: "e2e_parent", consumer: "p", blockMs: 100 })
      yield* until(Effect.map(Effect.all([pending("e2e_child"), stored(childId)]), ([n, rows]) => n === 0 && rows.length === 4 && survivor.stats.acked === 4), "the child's log to be projected")
      yield* until(Effect.map(stored(parent.jobId), (rows) => rows.length === 2), "the parent's log to be projected")

      // The whole child log delivered again (the group rewound, as after a lost group): nothing changes.
      yield* (yield* RedisClient).send("XGROUP", "SETID", telemetryLogKey("e2e_child"), "telemetry-projector", "0")
      yield* until(Effect.sync(() => survivor.stats.acked === 8), "the re-read")
      assert.strictEqual(survivor.stats.duplicates, 2 + 4)

      const child = yield* stored(childId)
      assert.deepStrictEqual(child.map((e) => e.event_type), ["job.started", "job.retrying", "job.started", "job.completed"])
      assert.strictEqual(new Set(child.map((e) => e.event_id)).size, 4)
      for (const event of child) assert.deepStrictEqual([event.correlation_id, event.parent_job_id], ["e2e-order-9", parent.jobId])
      assert.deepStrictEqual((yield* stored(parent.jobId)).map((e) => [e.event_type, e.correlation_id, e.parent_job_id]), [
        ["job.started", "e2e-order-9", null],
        ["job.completed", "e2e-order-9", null]
      ])

      const tree = yield* (yield* TelemetryStore).lineage(parent.jobId)
      assert.strictEqual(tree._tag, "Some")
      if (tree._tag === "Some") {
        assert.deepStrictEqual(shape(tree.value), [parent.jobId, "completed", [[childId, "completed", []]]])
        assert.strictEqual(tree.value.children[0]?.domain, "e2e_child")
      }
    }).pipe(Effect.scoped))
})
