/**
 * Trace export end to end: a local OTLP/HTTP receiver (node:http on a loopback port), a process
 * composed by jobsLayerConfig from its environment (REDIS_URL of a real redis-server, the OTEL_*
 * variables), a producer span around an enqueue and a real worker. The attempt's span arrives in
 * the producer's trace as its child; without an endpoint nothing is sent and jobs run as before.
 */
import { createServer, type Server } from "node:http"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Schema, type Scope } from "effect"
import { OtlpExporter } from "effect/observability"
import { JobContext } from "../src/runtime/JobContext.js"
import { defineJob } from "../src/runtime/JobDefinition.js"
import { JobSystemError } from "../src/runtime/JobErrors.js"
import { jobsLayerConfig, type JobsServices } from "../src/runtime/JobsLayer.js"
import { Producer } from "../src/runtime/Producer.js"
import { RedisClient } from "../src/redis/RedisClient.js"
import { startWorker } from "../src/runtime/Worker.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

const otlpJob = defineJob({
  domain: "otlptrace",
  payload: Schema.Struct({ failFirst: Schema.Boolean }),
  run: Effect.fnUntraced(function*({ failFirst }) {
    const ctx = yield* JobContext
    if (failFirst && ctx.info.attempt === 1) return yield* new JobSystemError({ message: "flaky once" })
    return { resultId: "ok", resultBytes: 2 }
  })
})

interface Received {
  readonly path: string
  readonly contentType: string
  readonly body: Buffer
}

// The parts of an OTLP/JSON export request the tests read.
const AnyValue = Schema.Struct({ stringValue: Schema.optional(Schema.String), intValue: Schema.optional(Schema.Union([Schema.String, Schema.Number])) })
const KeyValue = Schema.Struct({ key: Schema.String, value: AnyValue })
const OtlpSpan = Schema.Struct({
  traceId: Schema.String,
  spanId: Schema.String,
  parentSpanId: Schema.optional(Schema.String),
  name: Schema.String,
  kind: Schema.Number,
  attributes: Schema.Array(KeyValue),
  status: Schema.Struct({ code: Schema.Number })
})
const TracesRequest = Schema.Struct({
  resourceSpans: Schema.Array(Schema.Struct({
    resource: Schema.Struct({ attributes: Schema.Array(KeyValue) }),
    scopeSpans: Schema.Array(Schema.Struct({ spans: Schema.Array(OtlpSpan) }))
  }))
})
const decodeTraces = Schema.decodeUnknownSync(Schema.fromJsonString(TracesRequest))
type OtlpSpan = typeof OtlpSpan.Type

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : String(value.intValue))
}

let redis: RedisServerHandle
let server: Server
let receiverUrl = ""
const received: Array<Received> = []
const resultDir = mkdtempSync(join(tmpdir(), "traces-otlp-"))

beforeAll(async () => {
  redis = await startRedisServer()
  server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      received.push({ path: request.url ?? "", contentType: request.headers["content-type"] ?? "", body: Buffer.concat(chunks) })
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
}, 30_000)

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await redis.stop()
  rmSync(resultDir, { recursive: true, force: true })
})

/** Runs `effect` in a process composed from this environment, then flushes the exporter. */
const inProcess = <A, E>(env: Record<string, string>, effect: Effect.Effect<A, E, JobsServices | OtlpExporter.Flusher | Scope.Scope>) =>
  Effect.gen(function*() {
    yield* (yield* RedisClient).send("FLUSHALL")
    const result = yield* effect
    yield* (yield* OtlpExporter.Flusher).flush
    return result
  }).pipe(
    Effect.scoped,
    Effect.provide(jobsLayerConfig({ jobs: [otlpJob] })),
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ REDIS_URL: redis.url, RESULT_STORE_DIR: resultDir, ...env })))
  )

/** Enqueues inside a producer span and waits for the job's outcome. */
const produceAndRun = (failFirst: boolean) =>
  Effect.gen(function*() {
    const producer = yield* Producer
    yield* startWorker(otlpJob, { concurrency: 2 })
    const { jobId, traceId, spanId } = yield* Effect.gen(function*() {
      const span = yield* Effect.currentSpan
      const added = yield* producer.enqueue(otlpJob, { failFirst }, { userId: 9223372036854775807n, maxAttempts: 3 })
      return { jobId: added.jobId, traceId: span.traceId, spanId: span.spanId }
    }).pipe(Effect.withSpan("checkout", { kind: "producer" }))
    const outcome = yield* producer.awaitOutcome(otlpJob, jobId, { timeout: "15 seconds" })
    return { jobId, traceId, spanId, outcome }
  })

/** Every span received so far, waiting until `count` attempt spans of the job have arrived. */
const spansOf = (jobId: string, count: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 150; i++) {
      const spans = received.filter((r) => r.path === "/v1/traces").flatMap((r) =>
        decodeTraces(r.body.toString("utf8")).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))
      )
      const attempts = spans.filter((s) => s.name === "job.attempt" && attribute(s, "job.id") === jobId)
      if (attempts.length >= count) return { spans, attempts }
      yield* Effect.sleep("100 millis")
    }
    return yield* Effect.die(`fewer than ${count} attempt spans of ${jobId} arrived`)
  })

const jsonEnv = (extra: Record<string, string> = {}) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_BSP_SCHEDULE_DELAY: "100",
  ...extra
})

describe("traces over OTLP/HTTP", () => {
  it.live("the attempt's span arrives in the producer's trace, as its child, with the job's attributes", () =>
    Effect.gen(function*() {
      received.length = 0
      const { jobId, traceId, spanId, outcome } = yield* inProcess(jsonEnv(), produceAndRun(false))
      assert.strictEqual(outcome._tag, "Completed")
      const { spans, attempts } = yield* spansOf(jobId, 1)
      const [attempt] = attempts
      assert.isDefined(attempt)
      if (attempt === undefined) return
      assert.strictEqual(attempt.traceId, traceId)
      assert.strictEqual(attempt.parentSpanId, spanId)
      assert.strictEqual(attempt.kind, 5) // consumer
      const producerSpan = spans.find((s) => s.spanId === spanId)
      assert.strictEqual(producerSpan?.name, "checkout")
      assert.deepStrictEqual(
        ["job.domain", "job.id", "job.attempt", "job.user_id", "job.outcome"].map((key) => attribute(attempt, key)),
        ["otlptrace", jobId, "1", "9223372036854775807", "completed"]
      )
      assert.match(attribute(attempt, "job.execution_id") ?? "", /\/1$/)
      const request = received.find((r) => r.path === "/v1/traces")
      assert.strictEqual(request?.contentType, "application/json")
      const resource = decodeTraces(request?.body.toString("utf8") ?? "").resourceSpans[0]?.resource.attributes
      assert.strictEqual(resource?.find((a) => a.key === "service.name")?.value.stringValue, "effect-jobs")
    }), 60_000)

  it.live("a retried job yields two attempt spans in one trace, the failed one with an error status", () =>
    Effect.gen(function*() {
      received.length = 0
      const { jobId, traceId, spanId, outcome } = yield* inProcess(jsonEnv({ JOBS_BACKOFF_MS: "10" }), produceAndRun(true))
      assert.strictEqual(outcome._tag, "Completed")
      const { attempts } = yield* spansOf(jobId, 2)
      const byAttempt = [...attempts].sort((a, b) => Number(attribute(a, "job.attempt")) - Number(attribute(b, "job.attempt")))
      assert.deepStrictEqual(byAttempt.map((s) => [s.traceId, s.parentSpanId, attribute(s, "job.attempt"), attribute(s, "job.outcome"), s.status.code]), [
        [traceId, spanId, "1", "retry", 2],
        [traceId, spanId, "2", "completed", 0]
      ])
    }), 60_000)

  it.live("protobuf by default, with OTEL_SERVICE_NAME as the service", () =>
    Effect.gen(function*() {
      received.length = 0
      yield* inProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_SERVICE_NAME: "jobs-under-test" }, produceAndRun(false))
      const request = received.find((r) => r.path === "/v1/traces")
      assert.strictEqual(request?.contentType, "application/x-protobuf")
      assert.isTrue(request?.body.includes("jobs-under-test"))
      assert.isTrue(request?.body.includes("job.attempt"))
    }), 60_000)

  it.live("with no endpoint nothing is exported and jobs run as before", () =>
    Effect.gen(function*() {
      received.length = 0
      const { outcome } = yield* inProcess({}, produceAndRun(true))
      assert.strictEqual(outcome._tag, "Completed")
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(received, [])
    }), 60_000)
})
