import { createServer, type Server } from "node:http"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Metric } from "effect"
import { FetchHttpClient } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import { type TelemetryEvent } from "../src/contracts/Telemetry.js"
import { RedisClient } from "../src/redis/RedisClient.js"
import { replyArray } from "../src/redis/RedisReply.js"
import { telemetryDropped } from "../src/telemetry/BufferedSink.js"
import { makeHttp } from "../src/telemetry/Emitters.js"
import { layerFanOut, layerRedisLog, TelemetryEmitter, telemetryLogKey } from "../src/telemetry/TelemetryEmitter.js"
import { freePort } from "./support/RedisServer.js"
import { makeEvent } from "./support/TelemetryEvents.js"

interface Received {
  readonly domain: string | undefined
  readonly ids: ReadonlyArray<string>
}

/** A local endpoint collecting the POSTed batches; closed with the scope. */
const endpointOn = (port: number, received: Array<Received>) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<Server>((resolve) => {
        const server = createServer((request, response) => {
          let body = ""
          request.on("data", (chunk: Buffer) => (body += chunk.toString()))
          request.on("end", () => {
            const batch: unknown = JSON.parse(body)
            const ids = Array.isArray(batch) ? batch.map((event: { readonly event_id: string }) => event.event_id) : []
            received.push({ domain: request.headers["x-telemetry-domain"]?.toString(), ids })
            response.writeHead(204).end()
          })
        })
        server.listen(port, "127.0.0.1", () => resolve(server))
      })
    ),
    (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
  )

const droppedNow = Effect.map(Metric.value(Metric.withAttributes(telemetryDropped, { emitter: "http" })), (state) => state.count)

const waitUntil = (check: () => boolean, timeoutMs: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (!check() && Date.now() < deadline) yield* Effect.sleep("20 millis")
    return check()
  })

describe("HTTP telemetry emitter", () => {
  it.live("endpoint down: stays within its buffer, counts the drops, then delivers everything it held once the endpoint returns", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(() => freePort())
      const { emitter, sink } = yield* makeHttp({
        endpoint: `http://127.0.0.1:${port}/telemetry`, timeoutMs: 1_000,
        capacity: 50, batchSize: 10, lingerMs: 10, backoffBaseMs: 20, backoffCapMs: 100, flushTimeoutMs: 500
      }).pipe(Effect.provide(FetchHttpClient.layer))
      const droppedBefore = yield* droppedNow
      const events: Array<TelemetryEvent> = Array.from({ length: 80 }, () => makeEvent({ kind: "completed", at: Date.now(), latency: 3 }))
      for (const event of events) yield* emitter.emit("catalog", event)
      assert.strictEqual(sink.size(), 50)
      assert.strictEqual(sink.dropped(), 30)
      assert.strictEqual((yield* droppedNow) - droppedBefore, 30)
      assert.match(yield* PrometheusMetrics.format(), /telemetry_events_dropped_total\{emitter="http"\} \d+/u)
      // Retrying against a closed port neither grows the buffer nor loses what it holds.
      yield* Effect.sleep("400 millis")
      assert.strictEqual(sink.size(), 50)

      const received: Array<Received> = []
      yield* endpointOn(port, received)
      assert.isTrue(yield* waitUntil(() => sink.size() === 0, 10_000))
      assert.deepStrictEqual(received.flatMap((batch) => batch.ids), events.slice(0, 50).map((event) => event.event_id))
      assert.isTrue(received.every((batch) => batch.domain === "catalog" && batch.ids.length <= 10))
      assert.strictEqual(sink.dropped(), 30)
    }).pipe(Effect.scoped), 30_000)

  it.live("a batch the endpoint refuses for good (400) is dropped and counted, not retried forever", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(() => freePort())
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<Server>((resolve) => {
          const s = createServer((request, response) => {
            request.resume()
            request.on("end", () => response.writeHead(400).end())
          })
          s.listen(port, "127.0.0.1", () => resolve(s))
        })),
        (s) => Effect.promise(() => new Promise<void>((resolve) => s.close(() => resolve())))
      )
      const { emitter, sink } = yield* makeHttp({
        endpoint: `http://127.0.0.1:${port}/`, timeoutMs: 1_000,
        capacity: 50, batchSize: 10, lingerMs: 0, backoffBaseMs: 20, backoffCapMs: 100, flushTimeoutMs: 200
      }).pipe(Effect.provide(FetchHttpClient.layer))
      for (let i = 0; i < 5; i++) yield* emitter.emit("catalog", makeEvent({ kind: "started", at: Date.now() }))
      assert.isTrue(yield* waitUntil(() => sink.size() === 0, 5_000))
      assert.strictEqual(sink.dropped(), 5)
    }).pipe(Effect.scoped), 30_000)
})

describe("fan-out", () => {
  it.live("sends every event to each emitter; the Redis one appends to {domain}:telemetry:log", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const collecting = Layer.succeed(TelemetryEmitter, TelemetryEmitter.of({ emit: (_, event) => Effect.sync(() => void seen.push(event.event_id)) }))
      const event = makeEvent({ kind: "retrying", at: Date.now() })
      const entries = yield* Effect.gen(function*() {
        const emitter = yield* TelemetryEmitter
        yield* emitter.emit("digits", event)
        const redis = yield* RedisClient
        return replyArray(yield* redis.send("XRANGE", telemetryLogKey("digits"), "-", "+")) ?? []
      }).pipe(Effect.provide(layerFanOut([layerRedisLog({ maxLen: 1000 }), collecting]).pipe(Layer.provideMerge(RedisClient.layerMemory))))
      assert.deepStrictEqual(seen, [event.event_id])
      assert.strictEqual(entries.length, 1)
      assert.include(JSON.stringify(entries[0]), event.event_id)
    }))
})
