/**
 * The outbox publisher: committed rows go to the durable log `{channel}:log` and the channel in `id`
 * order and are marked published; a publisher interrupted or killed between COMMIT (of the rows) and
 * marking them loses nothing (the next publisher sends them: every event_id reaches the log); Redis
 * down leaves rows unpublished until it returns. PGlite and a real PostgreSQL, with a real redis-server.
 */
import { spawn } from "node:child_process"
import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Layer, Option, Queue, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { RedisClient } from "../src/redis/RedisClient.js"
import { replyArray, replyRecord } from "../src/redis/RedisReply.js"
import { LoopSupervision } from "../src/runtime/Supervised.js"
import { Outbox, type OutboxEvent } from "../src/services/outbox/Outbox.js"
import * as OutboxLive from "../src/services/outbox/OutboxLive.js"
import * as OutboxPublisher from "../src/services/outbox/OutboxPublisher.js"
import * as Database from "../src/sql/Database.js"
import * as Migrations from "../src/sql/Migrations.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"
import { RedisServer, redisClientOnServer } from "./support/RedisServer.js"

const settings: OutboxPublisher.OutboxPublisherSettings = { batch: 2, logMaxLen: 10_000, idleMs: 100, redisTimeoutMs: 300 }
const quickRestarts = { backoffBaseMs: 20, backoffCapMs: 200, healthyAfterMs: 1_000, unreadyAfterFailures: 3, unreadyAfterMs: 5_000 }

let counter = 0
/** Events with fresh ids (tests share one database and one Redis). */
const events = (n: number, channel: OutboxEvent["channel"] = "jobs:bus"): ReadonlyArray<OutboxEvent> =>
  Array.from({ length: n }, () => {
    counter++
    const eventId = `${crypto.randomUUID().slice(0, 24)}${String(counter).padStart(12, "0")}`
    return { eventId, channel, type: "job.created.v1", body: `{"type":"job.created.v1","event_id":"${eventId}"}` }
  })

const ids = (list: ReadonlyArray<OutboxEvent>) => list.map((event) => event.eventId)

const appendCommitted = (list: ReadonlyArray<OutboxEvent>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const outbox = yield* Outbox
    yield* sql.withTransaction(outbox.append(list))
  })

const unpublished = (list: ReadonlyArray<OutboxEvent>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly event_id: string }>`
      SELECT event_id::text AS event_id FROM outbox WHERE published_at IS NULL AND event_id IN ${sql.in(ids(list))} ORDER BY id`
    return rows.map((row) => row.event_id)
  })

const waitPublished = (list: ReadonlyArray<OutboxEvent>) =>
  unpublished(list).pipe(
    Effect.flatMap((left) => left.length === 0 ? Effect.void : Effect.fail(`still unpublished: ${left.join(",")}`)),
    Effect.retry(Schedule.spaced(Duration.millis(50)).pipe(Schedule.upTo({ duration: Duration.seconds(15) })))
  )

/** The event_ids in a bus log, in log order, restricted to `list`. */
const logged = (list: ReadonlyArray<OutboxEvent>, key = "jobs:bus:log") =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    const wanted = new Set(ids(list))
    const entries = replyArray(yield* redis.send("XRANGE", key, "-", "+")) ?? []
    return entries.flatMap((entry) => {
      const fields = replyRecord((replyArray(entry) ?? [])[1] ?? null)
      const eventId = fields?.["event_id"]
      return eventId !== undefined && wanted.has(eventId) && fields?.["event"]?.includes(eventId) === true ? [eventId] : []
    })
  })

const withPublisher = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provide(OutboxPublisher.layerWith(settings)), Effect.provideService(LoopSupervision, quickRestarts))

const base = <E, R>(database: Layer.Layer<Database.Database, E, R>) =>
  OutboxLive.layer.pipe(
    Layer.provideMerge(Migrations.layer),
    Layer.provideMerge(database),
    Layer.provideMerge(redisClientOnServer),
    Layer.provideMerge(RedisServer.layer()),
    Layer.orDie
  )

const publisherSuite = <E, R>(name: string, database: Layer.Layer<Database.Database, E, R>, services: Layer.Layer<R>) =>
  layer(base(database).pipe(Layer.provide(services)), { excludeTestServices: true, timeout: "90 seconds" })(`OutboxPublisher on ${name}`, (it) => {
    it.effect("publishes committed rows in order to the durable log and the channel, and marks them published", () =>
      Effect.gen(function*() {
        const redis = yield* RedisClient
        const received = yield* redis.subscribe("jobs:bus")
        const tasksReceived = yield* redis.subscribe("tasks:bus")
        const jobs = events(5)
        const tasks = events(2, "tasks:bus")
        yield* withPublisher(Effect.gen(function*() {
          yield* appendCommitted([...jobs.slice(0, 3), tasks[0]!])
          yield* appendCommitted([...jobs.slice(3), tasks[1]!])
          yield* waitPublished([...jobs, ...tasks])
        }))
        assert.deepStrictEqual(yield* logged(jobs), ids(jobs))
        assert.deepStrictEqual(yield* logged(tasks, "tasks:bus:log"), ids(tasks))
        assert.deepStrictEqual(yield* logged(tasks), [])
        const wanted = new Set(ids(jobs))
        const messages: Array<string> = []
        while (messages.length < jobs.length) {
          const message = yield* Queue.take(received).pipe(Effect.timeout("5 seconds"))
          const body = jobs.find((event) => event.body === message.message)
          if (body !== undefined && wanted.has(body.eventId)) messages.push(body.eventId)
        }
        assert.deepStrictEqual(messages, ids(jobs))
        const taskMessage = yield* Queue.take(tasksReceived).pipe(Effect.timeout("5 seconds"))
        assert.include(tasks.map((event) => event.body), taskMessage.message)
      }).pipe(Effect.scoped))

    it.effect("wakes on a commit instead of waiting out its idle interval", () =>
      Effect.gen(function*() {
        const slow = { ...settings, idleMs: 60_000 }
        yield* Effect.gen(function*() {
          yield* Effect.sleep("200 millis") // the publisher found nothing and is idle for a minute
          const list = events(1)
          yield* appendCommitted(list)
          yield* waitPublished(list).pipe(Effect.timeout("3 seconds"))
        }).pipe(Effect.provide(OutboxPublisher.layerWith(slow)))
      }))

    it.effect("a publisher interrupted after the rows committed and before XADD: the next one publishes each event once", () =>
      Effect.gen(function*() {
        const list = events(3)
        const taken = yield* Deferred.make<void>()
        const stalled = yield* Effect.provide(Effect.never, OutboxPublisher.layerWith({ ...settings, batch: 100 })).pipe(
          Effect.provideService(OutboxPublisher.OutboxPublisherHooks, {
            beforeSend: () => Deferred.succeed(taken, undefined).pipe(Effect.andThen(Effect.never))
          }),
          Effect.forkChild({ startImmediately: true })
        )
        yield* appendCommitted(list)
        yield* Deferred.await(taken).pipe(Effect.timeout("5 seconds"))
        yield* Fiber.interrupt(stalled)
        assert.deepStrictEqual(yield* unpublished(list), ids(list))
        assert.deepStrictEqual(yield* logged(list), [])
        yield* withPublisher(waitPublished(list))
        assert.deepStrictEqual(yield* logged(list), ids(list))
      }))

    it.effect("a publisher interrupted after XADD and before marking: the rows go out again (at least once, every event_id)", () =>
      Effect.gen(function*() {
        const list = events(3)
        const sent = yield* Deferred.make<void>()
        const stalled = yield* Effect.provide(Effect.never, OutboxPublisher.layerWith({ ...settings, batch: 100 })).pipe(
          Effect.provideService(OutboxPublisher.OutboxPublisherHooks, {
            afterSend: () => Deferred.succeed(sent, undefined).pipe(Effect.andThen(Effect.never))
          }),
          Effect.forkChild({ startImmediately: true })
        )
        yield* appendCommitted(list)
        yield* Deferred.await(sent).pipe(Effect.timeout("5 seconds"))
        yield* Fiber.interrupt(stalled)
        assert.deepStrictEqual(yield* unpublished(list), ids(list))
        yield* withPublisher(waitPublished(list))
        const log = yield* logged(list)
        assert.deepStrictEqual([...new Set(log)], ids(list))
        assert.deepStrictEqual(log, [...ids(list), ...ids(list)])
      }))

    it.effect("Redis down: rows stay unpublished, the loop retries, and they go out when Redis is back", () =>
      Effect.gen(function*() {
        const server = yield* RedisServer
        const list = events(4)
        yield* Effect.promise(() => server.stop())
        yield* withPublisher(Effect.gen(function*() {
          yield* appendCommitted(list)
          yield* Effect.sleep("1500 millis")
          assert.deepStrictEqual(yield* unpublished(list), ids(list))
          const publisher = yield* OutboxPublisher.OutboxPublisher
          assert.isAbove(publisher.failing().length, 0)
          yield* Effect.promise(() => server.restart())
          yield* waitPublished(list)
        }))
        assert.deepStrictEqual([...new Set(yield* logged(list))], ids(list))
      }), 60_000)
  })

publisherSuite("embedded PGlite", Database.layerEmbedded(), Layer.empty)
publisherSuite("PostgreSQL server", sqlClientOnServer, PostgresServer.layer())

describe("OutboxPublisher crash", () => {
  layer(base(sqlClientOnServer).pipe(Layer.provideMerge(PostgresServer.layer())), { excludeTestServices: true, timeout: "90 seconds" })(
    "a real publisher process",
    (it) => {
      it.effect("PostgreSQL down: the loop retries with backoff, and the committed rows go out when it is back", () =>
        Effect.gen(function*() {
          const pg = yield* PostgresServer
          const list = events(3)
          yield* appendCommitted(list)
          yield* withPublisher(Effect.gen(function*() {
            yield* Effect.promise(() => pg.stop("immediate"))
            yield* Effect.sleep("1 second")
            const publisher = yield* OutboxPublisher.OutboxPublisher
            assert.isAbove(publisher.failing().length, 0)
            assert.isTrue(Option.isNone(yield* unpublished(list).pipe(Effect.option))) // the database is down
            yield* Effect.promise(() => pg.restart())
            yield* waitPublished(list)
          }))
          const log = yield* logged(list)
          assert.deepStrictEqual([...new Set(log)], ids(list))
        }), 60_000)

      it.effect("SIGKILLed after XADD and before marking: its transaction is rolled back and the next publisher sends every event", () =>
        Effect.gen(function*() {
          const pg = yield* PostgresServer
          const redisServer = yield* RedisServer
          const list = events(4)
          yield* appendCommitted(list)
          const child = spawn(process.execPath, ["--import", "tsx", new URL("./support/OutboxPublisherChild.ts", import.meta.url).pathname], {
            env: { ...process.env, DATABASE_URL: pg.url, REDIS_URL: redisServer.url },
            stdio: ["ignore", "pipe", "pipe"]
          })
          let output = ""
          const sent = yield* Effect.callback<void>((resume) => {
            const onData = (chunk: Buffer) => {
              output += chunk.toString()
              if (output.includes("sent ")) resume(Effect.void)
            }
            child.stdout.on("data", onData)
            child.stderr.on("data", onData)
            child.once("exit", () => resume(Effect.void))
          }).pipe(Effect.timeout("30 seconds"), Effect.map(() => output))
          assert.include(sent, "sent ", output)
          const exited = new Promise((resolve) => child.once("exit", resolve))
          child.kill("SIGKILL")
          yield* Effect.promise(() => exited)
          // Sent by the killed process, not marked: PostgreSQL rolled its transaction back with the connection.
          assert.deepStrictEqual(yield* logged(list), ids(list))
          yield* unpublished(list).pipe(
            Effect.flatMap((left) => left.length === list.length ? Effect.void : Effect.fail("rows were marked")),
            Effect.retry(Schedule.spaced(Duration.millis(50)).pipe(Schedule.upTo({ duration: Duration.seconds(5) })))
          )
          yield* withPublisher(waitPublished(list))
          const log = yield* logged(list)
          assert.deepStrictEqual([...new Set(log)], ids(list))
          assert.deepStrictEqual(log, [...ids(list), ...ids(list)])
        }))
    }
  )
})
