/**
 * Telemetry from the runtime (seed 004), on one Redis layer: the events every attempt emits, read
 * both from a collecting TelemetryEmitter and from the durable log `{domain}:telemetry:log` that
 * apply-6.lua appends with the final change. Also correlation and lineage through enqueues made
 * from inside a running job, and the row metrics the catalog job reports through JobContext.
 */
import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema, type Scope } from "effect"
import { decodeTelemetryEvent, decodeTelemetryObject, type TelemetryEvent } from "../../src/contracts/Telemetry.js"
import { catalogJob } from "../../src/domains/catalog/job.js"
import { decodeCatalogPayload } from "../../src/domains/catalog/Payload.js"
import { validateCatalog } from "../../src/domains/catalog/validate.js"
import { JobContext } from "../../src/runtime/JobContext.js"
import { defineJob } from "../../src/runtime/JobDefinition.js"
import { JobSystemError } from "../../src/runtime/JobErrors.js"
import { Producer } from "../../src/runtime/Producer.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { ResultStore } from "../../src/runtime/ResultStore.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../../src/runtime/RuntimeLayer.js"
import { startWorker } from "../../src/runtime/Worker.js"
import { WorkerTelemetry } from "../../src/runtime/worker/telemetry.js"
import { replyArray, replyString } from "../../src/redis/RedisReply.js"
import { TelemetryEmitter } from "../../src/telemetry/TelemetryEmitter.js"

/** A TelemetryEmitter that keeps what it is given, beside the durable log. */
const collecting = (events: Array<TelemetryEvent>) =>
  WorkerTelemetry.layer({ durableLog: true }).pipe(Layer.provide(Layer.succeed(TelemetryEmitter, TelemetryEmitter.of({
    emit: (_domain, event) => Effect.sync(() => void events.push(event))
  }))))

/** The durable log's entries, decoded through the contract (a failure fails the test). */
const durableLog = (domain: string) =>
  Effect.gen(function*() {
    const entries = replyArray(yield* (yield* RedisClient).send("XRANGE", `${domain}:telemetry:log`, "-", "+")) ?? []
    return yield* Effect.forEach(entries, (entry) => {
      const fields = replyArray(replyArray(entry)?.[1] ?? null) ?? []
      return decodeTelemetryEvent(replyString(fields[1] ?? null) ?? "")
    })
  })

/** Waits until `count` events were collected and the durable log holds as many. */
const settled = (domain: string, events: Array<TelemetryEvent>, count: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      const logged = yield* durableLog(domain)
      if (events.length >= count && logged.length >= count) return logged
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.die(new Error(`expected ${count} telemetry events, got ${events.length} emitted`))
  })

const types = (events: ReadonlyArray<TelemetryEvent>) => events.map((e) => e.event_type)

const flaky = defineJob({
  domain: "qr",
  payload: Schema.Struct({ text: Schema.String }),
  run: () =>
    Effect.gen(function*() {
      const ctx = yield* JobContext
      if (ctx.info.attempt === 1) return yield* new JobSystemError({ message: "first attempt fails" })
      return { resultId: "r", resultBytes: 1 }
    })
})

/** Enqueues itself with depth - 1 from inside the running job, through the Producer. */
const chain = defineJob({
  domain: "covenant",
  payload: Schema.Struct({ depth: Schema.Int }),
  run: ({ depth }) =>
    Effect.gen(function*() {
      if (depth > 0) yield* Effect.orDie((yield* Producer).enqueueJson("covenant", { depth: depth - 1 }, { userId: 1n }))
      return { resultId: "r", resultBytes: 1 }
    })
})

const electronics = readFileSync(new URL("../fixtures/catalog/mercado_livre_electronics.csv", import.meta.url), "utf8")

export const runtimeTelemetrySuite = (name: string, redis: Layer.Layer<RedisClient>) =>
  describe(`runtime telemetry on ${name}`, () => {
    const layer = Layer.mergeAll(Producer.layer, ResultStore.layerMemory({ maxBytes: 16 * 1024 * 1024 })).pipe(
      Layer.provideMerge(runtimeLayer(redis, RuntimeConfig.layerWith({ leaseMs: 5_000, defaultBackoffMs: 10 })))
    )
    const run = <A, E>(effect: Effect.Effect<A, E, RuntimeServices | Producer | ResultStore | Scope.Scope>) =>
      Effect.gen(function*() {
        yield* (yield* RedisClient).send("FLUSHALL")
        return yield* effect
      }).pipe(Effect.scoped, Effect.provide(layer))

    it.live("a retried-then-completed job: started, retrying, started, completed; one job id, two executions", () =>
      run(Effect.gen(function*() {
        const emitted: Array<TelemetryEvent> = []
        yield* startWorker(flaky, { concurrency: 2, idleWaitMs: 20 }).pipe(Effect.provide(collecting(emitted)))
        const { jobId } = yield* (yield* Producer).enqueue(flaky, { text: "hi" }, { userId: 5n, correlationId: "corr-retry", maxAttempts: 3 })
        const logged = yield* settled("qr", emitted, 4)
        for (const events of [emitted, logged]) {
          assert.deepStrictEqual(types(events), ["job.started", "job.retrying", "job.started", "job.completed"])
          assert.deepStrictEqual([...new Set(events.map((e) => e.job_id))], [jobId])
          const executions = events.map((e) => e.job_execution_id)
          assert.strictEqual(new Set(executions).size, 2)
          assert.strictEqual(executions[0], executions[1])
          assert.strictEqual(executions[2], executions[3])
          assert.strictEqual(new Set(events.map((e) => e.event_id)).size, 4)
          const retrying = events[1]
          assert.strictEqual(retrying?.event_type === "job.retrying" ? retrying.retry_count : -1, 1)
          for (const event of events) {
            assert.strictEqual(event.correlation_id, "corr-retry")
            assert.notProperty(event, "parent_job_id")
            assert.strictEqual(event.partition_key, "none:qr")
            assert.strictEqual(event.task, "qr")
            // What the emitter was handed decodes with the contract too.
            yield* decodeTelemetryObject({ ...event })
          }
          const completed = events[3]
          assert.strictEqual(completed?.metrics?.payload_bytes, Buffer.byteLength(`{"text":"hi"}`))
          assert.isAtLeast(completed?.metrics?.latency_ms ?? -1, 0)
        }
        // The emitter and the log saw the same events.
        assert.deepStrictEqual(logged.map((e) => e.event_id), emitted.map((e) => e.event_id))
      })))

    it.live("a correlation id given at enqueue reaches every event of the job and of the jobs it enqueues, with their parents", () =>
      run(Effect.gen(function*() {
        const emitted: Array<TelemetryEvent> = []
        yield* startWorker(chain, { concurrency: 2, idleWaitMs: 20 }).pipe(Effect.provide(collecting(emitted)))
        const { jobId: root } = yield* (yield* Producer).enqueue(chain, { depth: 2 }, { userId: 1n, correlationId: "corr-chain" })
        const logged = yield* settled("covenant", emitted, 6)
        for (const events of [emitted, logged]) {
          assert.deepStrictEqual(events.map((e) => e.correlation_id), Array(6).fill("corr-chain"))
          const parentOf = new Map(events.map((e) => [e.job_id, e.parent_job_id]))
          assert.strictEqual(parentOf.size, 3)
          assert.strictEqual(parentOf.get(root), undefined)
          const child = [...parentOf].find(([, parent]) => parent === root)?.[0]
          assert.isDefined(child)
          const grandchild = [...parentOf].find(([, parent]) => parent === child)?.[0]
          assert.isDefined(grandchild)
        }
      })))

    it.live("a job enqueued without a correlation id gets a generated one", () =>
      run(Effect.gen(function*() {
        const emitted: Array<TelemetryEvent> = []
        yield* startWorker(chain, { concurrency: 1, idleWaitMs: 20 }).pipe(Effect.provide(collecting(emitted)))
        yield* (yield* Producer).enqueue(chain, { depth: 0 }, { userId: 1n })
        const logged = yield* settled("covenant", emitted, 2)
        assert.match(logged[0]?.correlation_id ?? "", /^[0-9a-f-]{36}$/u)
        assert.strictEqual(logged[0]?.correlation_id, logged[1]?.correlation_id)
      })))

    it.live("catalog reports its row counts through JobContext; they arrive with its context in the completed event", () =>
      run(Effect.gen(function*() {
        const emitted: Array<TelemetryEvent> = []
        yield* startWorker(catalogJob, { concurrency: 1, idleWaitMs: 20 }).pipe(Effect.provide(collecting(emitted)))
        const payload = { csv: electronics, marketplace: "mercado_livre", category: "electronics" }
        yield* (yield* Producer).enqueue(catalogJob, payload, { userId: 1n, maxAttempts: 1 })
        const logged = yield* settled("catalog", emitted, 2)
        const report = yield* validateCatalog(yield* decodeCatalogPayload(payload))
        for (const events of [emitted, logged]) {
          const completed = Option.getOrThrow(Option.fromNullishOr(events.find((e) => e.event_type === "job.completed")))
          assert.strictEqual(completed.partition_key, "mercado_livre:electronics")
          const { latency_ms, ...rows } = completed.metrics ?? {}
          assert.isAtLeast(latency_ms ?? -1, 0)
          assert.deepStrictEqual(rows, {
            total_rows: report.total_rows, valid_rows: report.valid_rows, error_rows: report.error_rows,
            warning_rows: report.warning_rows, payload_bytes: report.payload_bytes
          })
        }
      })))
  })
