/**
 * The wire read by Python 3 (issue 17): real jobs for users 1, 2^53 + 1 and 2^63 - 1 on a
 * redis-server, plus training metrics with whole-number floats, dumped from `{domain}:events:log`
 * and the status hashes and checked by test/python/check_wire.py with json.loads and seed 000's
 * parse_datetime_field (datetime.fromisoformat). Needs `python3` on the PATH; no pip packages.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect, Layer, Option } from "effect"
import { eventsLogKey } from "../src/contracts/Keys.js"
import { digitsMetricsContracts, encodeDigitsMetricsEvent, makeDigitsBatch } from "../src/contracts/DigitsMetrics.js"
import { floatKeysOf } from "../src/contracts/EventContract.js"
import { formatTimestamp } from "../src/contracts/Timestamps.js"
import { encodeTrainerMetricsEvent, makeConfigEvent, trainerMetricsContracts } from "../src/contracts/TrainerMetrics.js"
import { JobQueue } from "../src/runtime/JobQueue.js"
import { JobStore } from "../src/runtime/JobStore.js"
import { RedisClient } from "../src/redis/RedisClient.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../src/runtime/RuntimeLayer.js"
import { startWorker } from "../src/runtime/Worker.js"
import { replyArray, replyRecord, replyString } from "../src/redis/RedisReply.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"
import { makeProbe, testJob } from "./support/TestJobs.js"

const script = fileURLToPath(new URL("python/check_wire.py", import.meta.url))
const userIds = [1n, 2n ** 53n + 1n, 2n ** 63n - 1n]

const logged = (domain: "qr" | "digits" | "trainer") =>
  Effect.gen(function*() {
    const entries = replyArray(yield* (yield* RedisClient).send("XRANGE", eventsLogKey(domain), "-", "+")) ?? []
    return entries.map((entry) => replyString((replyArray(replyArray(entry)?.[1] ?? null) ?? [])[1] ?? null) ?? "")
  })

describe("the wire read by Python 3", () => {
  const layer = runtimeLayer(redisClientOnServer.pipe(Layer.provide(RedisServer.layer())), RuntimeConfig.layerWith({}))

  it.live("json.loads gives the exact int user ids and float metrics; fromisoformat parses every time", () =>
    Effect.gen(function*() {
      const queue = yield* JobQueue
      const send = (yield* RedisClient).send
      yield* startWorker(testJob(yield* makeProbe), { concurrency: 3 })
      const jobs = yield* Effect.forEach(userIds, (userId) => queue.enqueue({ domain: "qr", userId, payload: { kind: "ok" } }))
      for (const { jobId } of jobs) {
        for (let i = 0; i < 400; i++) {
          const status = yield* (yield* JobStore).load("qr", jobId)
          if (Option.isSome(status) && status.value.status === "completed") break
          yield* Effect.sleep("10 millis")
        }
      }
      // Metrics as the emitter writes them (the contract encoders), with whole-number floats.
      const ts = formatTimestamp(Date.now())
      const trainer = yield* encodeTrainerMetricsEvent(makeConfigEvent({ job_id: "t", user_id: 2n ** 63n - 1n, run_id: "r" }, ts, {
        model_family: "char_bigram", tokenizer: "char", vocab_size: 64, context_length: 1, steps: 10, batch_size: 8,
        learning_rate: 1, seed: 1, corpus_chars: 100
      }))
      const digits = yield* encodeDigitsMetricsEvent(makeDigitsBatch({ request_id: "d", user_id: 2n ** 53n + 1n, model_id: "m", run_id: null }, ts, {
        epoch: 1, total_epochs: 1, batch: 1, total_batches: 1, batch_loss: 0, batch_acc: 1, avg_loss: 2, samples_per_sec: 100
      }))
      yield* send("XADD", eventsLogKey("trainer"), "*", "event", trainer)
      yield* send("XADD", eventsLogKey("digits"), "*", "event", digits)
      const events = [...yield* logged("qr"), ...yield* logged("trainer"), ...yield* logged("digits")]
      const hashes: Record<string, Readonly<Record<string, string>>> = {}
      for (const { jobId } of jobs) hashes[jobId] = replyRecord(yield* send("HGETALL", `qr:job:${jobId}`)) ?? {}
      const floatFields: Record<string, ReadonlyArray<string>> = {}
      for (const contract of [...trainerMetricsContracts, ...digitsMetricsContracts]) floatFields[contract.type] = [...floatKeysOf(contract.schema)]
      // The dump is JSON written by Python-compatible rules; the ids go as their digits.
      const dump = `{"expected_user_ids":[${userIds.join(",")}],"events":${JSON.stringify(events)},` +
        `"hashes":${JSON.stringify(hashes)},"float_fields":${JSON.stringify(floatFields)}}`
      const result = spawnSync("python3", [script], { input: dump, encoding: "utf8" })
      assert.strictEqual(result.status, 0, result.stderr)
      const verdict: unknown = JSON.parse(result.stdout)
      assert.deepStrictEqual(verdict, { ok: true, problems: [], user_ids: userIds.map(String) })
      assert.include(floatFields["trainer.metrics.config.v1"] ?? [], "learning_rate")
      assert.include(floatFields["digits.metrics.batch.v1"] ?? [], "batch_acc")
    }).pipe(Effect.scoped, Effect.provide(layer)), 30_000)
})
