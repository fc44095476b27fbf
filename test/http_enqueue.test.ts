/**
 * POST /api/jobs/:domain on the in-memory runtime and on redis-server: behind the dashboard token,
 * 64-bit user ids arrive exact, a known domain's payload is checked by its schema (naming the
 * field), a domain served elsewhere takes its payload as given, the same id twice is added once,
 * and a malformed or oversize body is refused with nothing written.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema, type Scope } from "effect"
import { jobKey } from "../src/contracts/Keys.js"
import { DashboardToken } from "../src/http/DashboardToken.js"
import { startHttpServer } from "../src/http/HttpServer.js"
import { defineJob } from "../src/runtime/JobDefinition.js"
import { JobQueue } from "../src/runtime/JobQueue.js"
import { JobStore } from "../src/runtime/JobStore.js"
import { RedisClient } from "../src/redis/RedisClient.js"
import { ResultStore } from "../src/runtime/ResultStore.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../src/runtime/RuntimeLayer.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

const token = "enqueue-t0ken"
const shoutJob = defineJob({
  domain: "shout",
  payload: Schema.Struct({ text: Schema.String }),
  run: ({ text }) => Effect.succeed({ resultId: text, resultBytes: text.length })
})

const post = (url: string, body: string, bearer: string | null = token) =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }) }
    })
    return { status: response.status, body: await response.text() }
  })

const suite = (name: string, redis: Layer.Layer<RedisClient>) =>
  describe(`POST /api/jobs/:domain on ${name}`, () => {
    const services = Layer.merge(
      runtimeLayer(redis, RuntimeConfig.layerWith({ maxPayloadBytes: 2048 })),
      ResultStore.layerMemory({ maxBytes: 1024 * 1024 })
    )
    const run = <A, E>(effect: Effect.Effect<A, E, RuntimeServices | ResultStore | Scope.Scope>) =>
      Effect.gen(function*() {
        yield* (yield* RedisClient).send("FLUSHALL")
        return yield* effect
      }).pipe(Effect.scoped, Effect.provide(services))

    it.live("enqueues exact 64-bit ids, checks known payloads, refuses bad bodies without writing", () =>
      run(Effect.gen(function*() {
        const server = yield* startHttpServer({
          port: 0, domains: ["shout"], dashboard: { token: DashboardToken.layer(token), jobs: [shoutJob] }
        })
        const url = `${server.url}/api/jobs/shout`
        const store = yield* JobStore
        const queue = yield* JobQueue

        const added = yield* post(url, `{"user_id": 9223372036854775807, "payload": {"text": "hi"}, "job_id": "h1"}`)
        assert.strictEqual(added.status, 201)
        assert.deepStrictEqual(JSON.parse(added.body), { job_id: "h1", added: true })
        const record = yield* store.loadRecord("shout", "h1")
        assert.strictEqual(record._tag === "Some" ? record.value.status.user_id : undefined, 9223372036854775807n)
        const again = yield* post(url, `{"user_id": 1, "payload": {"text": "hi"}, "job_id": "h1"}`)
        assert.deepStrictEqual([again.status, JSON.parse(again.body)], [200, { job_id: "h1", added: false }])

        const wrongField = yield* post(url, `{"user_id": 1, "payload": {"text": 5}}`)
        assert.strictEqual(wrongField.status, 400)
        assert.match(JSON.parse(wrongField.body).error, /shout payload: .*\["text"\]/)
        const extra = yield* post(url, `{"user_id": 1, "payload": {"text": "a", "loud": true}}`)
        assert.match(JSON.parse(extra.body).error, /loud/)
        const badId = yield* post(url, `{"user_id": 9223372036854775808, "payload": {"text": "a"}}`)
        assert.strictEqual(badId.status, 400)
        assert.match(JSON.parse(badId.body).error, /user_id/)
        const unknownKey = yield* post(url, `{"user_id": 1, "payload": {"text": "a"}, "priority": 3}`)
        assert.match(JSON.parse(unknownKey.body).error, /priority/)
        assert.strictEqual((yield* post(url, "{nope")).status, 400)
        assert.strictEqual((yield* post(url, JSON.stringify({ user_id: 1, payload: { text: "x".repeat(8000) } }))).status, 413)
        assert.strictEqual((yield* post(`${server.url}/api/jobs/Not-A-Domain`, `{"user_id":1,"payload":{}}`)).status, 400)
        assert.strictEqual((yield* post(url, `{"user_id": 1, "payload": {"text": "a"}}`, null)).status, 401)
        assert.strictEqual((yield* post(url, `{"user_id": 1, "payload": {"text": "a"}}`, "wrong")).status, 401)
        assert.strictEqual((yield* queue.counts("shout")).waiting, 1)

        // A domain whose job this server does not know: the payload goes in as given, delayed.
        const elsewhere = yield* post(`${server.url}/api/jobs/pdf`, `{"user_id": 2, "payload": {"pages": 3}, "delay_ms": 60000}`)
        assert.strictEqual(elsewhere.status, 201)
        assert.strictEqual((yield* queue.counts("pdf")).delayed, 1)

        // correlation_id lands in the job record (the worker's telemetry names it on every event);
        // a malformed one is refused, and without one the queue generates one.
        const client = yield* RedisClient
        const correlated = yield* post(url, `{"user_id": 3, "payload": {"text": "c"}, "job_id": "c1", "correlation_id": "order-77"}`)
        assert.strictEqual(correlated.status, 201)
        assert.strictEqual(yield* client.send("HGET", jobKey("shout", "c1"), "correlation_id"), "order-77")
        const badCorrelation = yield* post(url, `{"user_id": 3, "payload": {"text": "c"}, "correlation_id": "a\\u0000b"}`)
        assert.strictEqual(badCorrelation.status, 400)
        assert.match(JSON.parse(badCorrelation.body).error, /correlation id/)
        const emptyCorrelation = yield* post(url, `{"user_id": 3, "payload": {"text": "c"}, "correlation_id": ""}`)
        assert.strictEqual(emptyCorrelation.status, 400)
        yield* post(url, `{"user_id": 3, "payload": {"text": "c"}, "job_id": "c2"}`)
        assert.match(String(yield* client.send("HGET", jobKey("shout", "c2"), "correlation_id")), /^[0-9a-f-]{36}$/)
      })), 30_000)
  })

suite("in-memory Redis", RedisClient.layerMemory)
suite("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())))
