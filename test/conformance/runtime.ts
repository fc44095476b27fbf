/**
 * The runtime's behaviour on one Redis layer: the same suite runs on the in-memory twin
 * and on a real redis-server.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Metric, Option, Queue, Ref, type Scope, Stream } from "effect"
import { decodeJobStatus } from "../../src/contracts/JobStatus.js"
import { EventBus, malformedEvents } from "../../src/runtime/EventBus.js"
import { JobContext } from "../../src/runtime/JobContext.js"
import { defineJob } from "../../src/runtime/JobDefinition.js"
import { JobUserError } from "../../src/runtime/JobErrors.js"
import { JobQueue } from "../../src/runtime/JobQueue.js"
import { JobStore } from "../../src/runtime/JobStore.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../../src/runtime/RuntimeLayer.js"
import { startWorker } from "../../src/runtime/Worker.js"
import { replyRecord } from "../../src/redis/RedisReply.js"
import { makeProbe, TestPayload, testJob } from "../support/TestJobs.js"

const eventTypes = (domain: "qr", count: number) =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    return yield* bus.subscribe(domain, { from: "0" }).pipe(
      Stream.take(count),
      Stream.map((e) => `${e.message.event.type}:${"job_id" in e.message.event ? e.message.event.job_id : ""}`),
      Stream.runCollect
    )
  })

const startedEvent = (jobId: string) =>
  JSON.stringify({ type: "qr.job.started.v1", domain: "qr", job_id: jobId, user_id: 1, queue: "qr" })

const waitForStatus = (jobId: string, status: string) =>
  Effect.gen(function*() {
    const store = yield* JobStore
    for (let i = 0; i < 400; i++) {
      const loaded = yield* store.load("qr", jobId)
      if (Option.isSome(loaded) && loaded.value.status === status) return loaded.value
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.die(new Error(`job ${jobId} never reached ${status}`))
  })

export const runtimeSuite = (name: string, redis: Layer.Layer<RedisClient>) =>
  describe(`runtime on ${name}`, () => {
    const layer = runtimeLayer(redis, RuntimeConfig.layerWith({ leaseMs: 2_000, defaultBackoffMs: 20 }))
    const run = <A, E>(effect: Effect.Effect<A, E, RuntimeServices | Scope.Scope>) =>
      Effect.gen(function*() {
        const client = yield* RedisClient
        yield* client.send("FLUSHALL")
        return yield* effect
      }).pipe(Effect.scoped, Effect.provide(layer))

    it.live("runs a job: started -> progress -> completed, status hash parses under seed 000 rules", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const probe = yield* makeProbe
        yield* startWorker(testJob(probe), { concurrency: 2 })
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 7n, payload: { kind: "ok" } })
        const types = yield* eventTypes("qr", 3)
        assert.deepStrictEqual(types, [
          `qr.job.started.v1:${jobId}`, `qr.job.progress.v1:${jobId}`, `qr.job.completed.v1:${jobId}`
        ])
        const status = yield* waitForStatus(jobId, "completed")
        assert.strictEqual(status.progress, 100)
        assert.strictEqual(status.user_id, 7n)
        const record = yield* (yield* JobStore).loadRecord("qr", jobId)
        assert.strictEqual(Option.getOrThrow(record).resultId, `result-${jobId}`)
        // The raw hash decodes on its own too (what an independent reader sees).
        const raw = replyRecord(yield* (yield* RedisClient).send("HGETALL", `qr:job:${jobId}`))
        assert.isDefined(raw)
        const decoded = yield* decodeJobStatus(jobId, raw ?? {})
        assert.strictEqual(decoded.status, "completed")
      })))

    it.live("a user error fails the job with error_kind user and no retry", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 1 })
        const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "user-error" } })
        const status = yield* waitForStatus(jobId, "failed")
        assert.strictEqual(status.error, "bad input: the answer is not 42")
        const bus = yield* EventBus
        const events = yield* bus.subscribe("qr", { from: "0" }).pipe(Stream.take(3), Stream.runCollect)
        const last = events[2]?.message.event
        assert.deepStrictEqual(last, {
          type: "qr.job.failed.v1", domain: "qr", job_id: jobId, user_id: 1n, error_kind: "user",
          message: "bad input: the answer is not 42"
        })
        const record = Option.getOrThrow(yield* (yield* JobStore).loadRecord("qr", jobId))
        assert.strictEqual(record.attempt, 1)
        assert.strictEqual(record.errorCode, "WRONG_ANSWER")
      })))

    it.live("a defect is a system error: retried with backoff, then dead-lettered; the worker keeps going", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 2 })
        const dead = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "defect" }, maxAttempts: 2 })
        const fine = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } })
        yield* waitForStatus(fine.jobId, "completed")
        const status = yield* waitForStatus(dead.jobId, "failed")
        assert.match(status.error ?? "", /Error: boom \(after 2 attempts\)/)
        const record = Option.getOrThrow(yield* (yield* JobStore).loadRecord("qr", dead.jobId))
        assert.strictEqual(record.attempt, 2)
        assert.strictEqual(record.errorKind, "system")
        const counts = yield* queue.counts("qr")
        assert.strictEqual(counts.dead, 1)
        assert.strictEqual(counts.active, 0)
      })))

    it.live("a bad payload fails only that job, as a user error naming the field", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 2 })
        const bad = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "nope" } })
        const good = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } })
        const failed = yield* waitForStatus(bad.jobId, "failed")
        assert.match(failed.error ?? "", /^invalid payload: .*\["kind"\]/)
        yield* waitForStatus(good.jobId, "completed")
      })))

    it.live("a stored payload that is not JSON fails only that job, saying so", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const client = yield* RedisClient
        const broken = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } })
        yield* client.send("HSET", `qr:job:${broken.jobId}`, "payload", "{kind: ok")
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 2 })
        const good = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } })
        const failed = yield* waitForStatus(broken.jobId, "failed")
        assert.match(failed.error ?? "", /^invalid payload: not JSON \(.+\)$/)
        yield* waitForStatus(good.jobId, "completed")
      })))

    it.live("never runs more jobs at once than its concurrency", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const probe = yield* makeProbe
        yield* startWorker(testJob(probe), { concurrency: 3 })
        const jobs = yield* queue.enqueueBulk("qr", Array.from({ length: 12 }, () => ({ userId: 1n, payload: { kind: "sleep", ms: 30 } })))
        for (const job of jobs) yield* waitForStatus(job.jobId, "completed")
        assert.strictEqual(yield* Ref.get(probe.peak), 3)
      })))

    it.live("split into lanes, the slots still add up to its concurrency and every job runs once", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const probe = yield* makeProbe
        // Lanes of 3 and 2 slots, each with its own claim loop and batched calls.
        yield* startWorker(testJob(probe), { concurrency: 5, lanes: 2 })
        const jobs = yield* queue.enqueueBulk("qr", Array.from({ length: 20 }, () => ({ userId: 1n, payload: { kind: "sleep", ms: 30 } })))
        for (const job of jobs) {
          const done = yield* waitForStatus(job.jobId, "completed")
          assert.strictEqual(done.progress, 100)
        }
        assert.strictEqual(yield* Ref.get(probe.peak), 5)
        const ran = yield* Ref.get(probe.finalized)
        assert.deepStrictEqual([ran.length, new Set(ran).size], [20, 20])
      })))

    it.live("text with lone surrogates is stored with U+FFFD in their place, as UTF-8 encoding does; the batch still applies", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const odd = "half \uD800 a pair \uD83D\uDE00 end \uDC00, literal \\ud800"
        const oddJob = defineJob({
          domain: "qr",
          payload: TestPayload,
          run: () =>
            Effect.gen(function*() {
              yield* (yield* JobContext).publishProgress(40, odd)
              return yield* new JobUserError({ message: odd })
            })
        })
        yield* startWorker(oddJob, { concurrency: 2 })
        const jobs = yield* queue.enqueueBulk("qr", [{ userId: 1n, payload: { kind: "ok" } }, { userId: 1n, payload: { kind: "ok" } }])
        for (const job of jobs) {
          const failed = yield* waitForStatus(job.jobId, "failed")
          assert.strictEqual(failed.error, "half \uFFFD a pair \uD83D\uDE00 end \uFFFD, literal \\ud800")
        }
      })))

    it.live("enqueue with a caller-given id is idempotent", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const first = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" }, jobId: "order-17" })
        const second = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" }, jobId: "order-17" })
        assert.deepStrictEqual([first.added, second.added], [true, false])
        assert.strictEqual((yield* queue.counts("qr")).waiting, 1)
      })))

    it.live("graceful shutdown lets short jobs finish and hands long ones back to the queue", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const probe = yield* makeProbe
        const long = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "hang" } })
        yield* Effect.scoped(Effect.gen(function*() {
          yield* startWorker(testJob(probe), { concurrency: 2, graceMs: 200 })
          yield* waitForStatus(long.jobId, "processing")
        }))
        const status = Option.getOrThrow(yield* (yield* JobStore).loadRecord("qr", long.jobId))
        assert.strictEqual(status.status.status, "queued")
        assert.strictEqual(status.attempt, 0)
        assert.include(yield* Ref.get(probe.finalized), long.jobId)
        const counts = yield* queue.counts("qr")
        assert.deepStrictEqual([counts.waiting, counts.active], [1, 0])
      })))

    it.live("a new job starts at once while another lane is full of long jobs", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const probe = yield* makeProbe
        // Idle lanes poll only every 5 s, so a prompt start means a free lane waited on Redis.
        yield* startWorker(testJob(probe), { concurrency: 2, lanes: 2, idleWaitMs: 5_000, graceMs: 100 })
        const long = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "hang" } })
        yield* waitForStatus(long.jobId, "processing")
        yield* Effect.sleep("100 millis")
        const short = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } })
        const done = yield* waitForStatus(short.jobId, "completed").pipe(Effect.timeoutOption("2 seconds"))
        assert.isTrue(Option.isSome(done), "the short job waited for an idle poll")
      })))

    it.live("graceful shutdown hands back the jobs of every lane", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const probe = yield* makeProbe
        const long = yield* queue.enqueueBulk("qr", Array.from({ length: 4 }, () => ({ userId: 1n, payload: { kind: "hang" } })))
        yield* Effect.scoped(Effect.gen(function*() {
          yield* startWorker(testJob(probe), { concurrency: 4, lanes: 4, graceMs: 100 })
          for (const job of long) yield* waitForStatus(job.jobId, "processing")
        }))
        for (const job of long) {
          const status = Option.getOrThrow(yield* (yield* JobStore).loadRecord("qr", job.jobId))
          assert.deepStrictEqual([status.status.status, status.attempt], ["queued", 0])
        }
        const counts = yield* queue.counts("qr")
        assert.deepStrictEqual([counts.waiting, counts.active], [4, 0])
      })))
    it.live("a malformed message on the channel is logged, counted and skipped; the subscriber keeps going", () =>
      run(Effect.gen(function*() {
        const bus = yield* EventBus
        const client = yield* RedisClient
        const received = yield* Queue.unbounded<string>()
        yield* bus.subscribe("qr").pipe(
          Stream.runForEach((e) => Queue.offer(received, e.json)),
          Effect.forkChild({ startImmediately: true })
        )
        // Pub/sub drops what is sent before the subscription is live: publish until one arrives.
        while ((yield* Queue.size(received)) === 0) {
          yield* client.send("PUBLISH", "qr:events", startedEvent("warm-up"))
          yield* Effect.sleep("10 millis")
        }
        yield* Queue.clear(received)
        const before = (yield* Metric.value(malformedEvents)).count
        yield* client.send("PUBLISH", "qr:events", "{not json")
        yield* client.send("PUBLISH", "qr:events", JSON.stringify({ type: "qr.job.started.v1", domain: "qr", job_id: "j", user_id: "1", queue: "qr" }))
        yield* client.send("PUBLISH", "qr:events", startedEvent("after-garbage"))
        let next = yield* Queue.take(received)
        while (next === startedEvent("warm-up")) next = yield* Queue.take(received)
        assert.strictEqual(next, startedEvent("after-garbage"))
        assert.strictEqual((yield* Metric.value(malformedEvents)).count - before, 2)
      })))

    it.live("garbage in a job hash is a readable error naming the job and field", () =>
      run(Effect.gen(function*() {
        const client = yield* RedisClient
        yield* client.send("HSET", "qr:job:broken", "status", "running", "user_id", "1", "progress", "0")
        const error = yield* Effect.flip((yield* JobStore).load("qr", "broken"))
        assert.strictEqual(error._tag, "ContractError")
        assert.match(error.message, /^job broken: invalid status in redis store: "running"/)
      })))

    it.live("unreadable queue entries are moved aside with the key named; the worker keeps going", () =>
      run(Effect.gen(function*() {
        const client = yield* RedisClient
        const queue = yield* JobQueue
        yield* client.send("LPUSH", "qr:queue:wait", "ghost")
        yield* client.send("SET", "qr:job:stringy", "oops")
        yield* client.send("LPUSH", "qr:queue:wait", "stringy")
        yield* client.send("HSET", "qr:job:nopayload", "status", "queued", "user_id", "1")
        yield* client.send("LPUSH", "qr:queue:wait", "nopayload")
        yield* startWorker(testJob(yield* makeProbe), { concurrency: 1 })
        const good = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { kind: "ok" } })
        yield* waitForStatus(good.jobId, "completed")
        const invalid = yield* client.send("LRANGE", "qr:queue:invalid", "0", "-1")
        assert.deepStrictEqual(invalid, [
          "nopayload\trecord at qr:job:nopayload has no payload",
          "stringy\trecord at qr:job:stringy is a string, not a hash",
          "ghost\tno record at qr:job:ghost"
        ])
        assert.strictEqual((yield* queue.counts("qr")).invalid, 3)
      })))

    it.live("enqueue rejects an oversize payload, a bad job id and a non-integer user id without writing anything", () =>
      run(Effect.gen(function*() {
        const queue = yield* JobQueue
        const big = yield* Effect.flip(queue.enqueue({ domain: "qr", userId: 1n, payload: { text: "x".repeat(2_000_000) } }))
        assert.match(big.message, /^payload is 2000\d{3} bytes, over the 1048576-byte limit$/)
        const badId = yield* Effect.flip(queue.enqueue({ domain: "qr", userId: 1n, payload: {}, jobId: "has space" }))
        assert.match(badId.message, /^invalid job id "has space"/)
        const badUser = yield* Effect.flip(queue.enqueue({ domain: "qr", userId: 2n ** 63n, payload: {} }))
        assert.match(badUser.message, /^invalid user id 9223372036854775808/)
        assert.strictEqual((yield* queue.counts("qr")).waiting, 0)
        assert.strictEqual(yield* (yield* RedisClient).send("DBSIZE"), 0)
      })))
  })
