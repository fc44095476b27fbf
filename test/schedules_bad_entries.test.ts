/**
 * Bad entries in `{domain}:schedules` are set aside, the others keep firing: a cron that can
 * never fire (February 30th) and an interval under JOBS_MIN_SCHEDULE_INTERVAL_MS. addSchedule
 * refuses both with a one-line reason. On both Redis layers.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, type Scope } from "effect"
import { RedisClient } from "../src/redis/RedisClient.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../src/runtime/RuntimeLayer.js"
import { addSchedule, listSchedules, runScheduler } from "../src/runtime/Schedules.js"
import { replyArray } from "../src/redis/RedisReply.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

const stored = (spec: Record<string, unknown>) => JSON.stringify({ anchor_ms: 0, user_id: 1, payload: { kind: "ok" }, ...spec })

const suite = (name: string, redisLayer: Layer.Layer<RedisClient>) =>
  describe(`bad schedules on ${name}`, () => {
    const layer = runtimeLayer(redisLayer, RuntimeConfig.layerWith({}))
    const run = <A, E>(effect: Effect.Effect<A, E, RuntimeServices | Scope.Scope>) =>
      Effect.gen(function*() {
        yield* (yield* RedisClient).send("FLUSHALL")
        return yield* effect
      }).pipe(Effect.scoped, Effect.provide(layer))

    it.live("a never-firing cron and a too-short interval beside a good schedule: the good one keeps firing", () =>
      run(Effect.gen(function*() {
        const redis = yield* RedisClient
        yield* addSchedule("qr", { name: "good", every_ms: 1_000, anchor_ms: 0, user_id: 1n, payload: { kind: "ok" } })
        yield* redis.send("HSET", "qr:schedules", "feb30", stored({ name: "feb30", cron: "0 0 30 2 *" }))
        yield* redis.send("HSET", "qr:schedules", "rapid", stored({ name: "rapid", every_ms: 5 }))
        yield* runScheduler("qr", { tickMs: 50 })
        const repeats = Effect.map(redis.send("KEYS", "qr:job:repeat:*"), (r) => (replyArray(r) ?? []).map(String))
        const deadline = Date.now() + 5_000
        let seen: ReadonlyArray<string> = []
        while (Date.now() < deadline) {
          seen = yield* repeats
          if (seen.length >= 3) break
          yield* Effect.sleep("50 millis")
        }
        assert.isAtLeast(seen.length, 3, `good schedule fired ${seen.length} times`)
        assert.isTrue(seen.every((key) => key.startsWith("qr:job:repeat:good:")), seen.join(", "))
        const { schedules, setAside } = yield* listSchedules("qr")
        assert.deepStrictEqual(schedules.map((s) => s.name), ["good"])
        const reasons = Object.fromEntries(setAside.map((s) => [s.spec.name, s.reason]))
        assert.match(reasons.feb30 ?? "", /cron expression "0 0 30 2 \*" never fires/)
        assert.match(reasons.rapid ?? "", /interval 5 ms is under the minimum of 1000 ms \(JOBS_MIN_SCHEDULE_INTERVAL_MS\)/)
      })), 30_000)

    it.live("addSchedule refuses an interval under the configured minimum and a cron that never fires", () =>
      run(Effect.gen(function*() {
        const base = { anchor_ms: 0, user_id: 1n, payload: { kind: "ok" } }
        const tooShort = yield* Effect.flip(addSchedule("qr", { ...base, name: "fast", every_ms: 1 }))
        assert.strictEqual(tooShort.message, "schedule fast: interval 1 ms is under the minimum of 1000 ms (JOBS_MIN_SCHEDULE_INTERVAL_MS)")
        const never = yield* Effect.flip(addSchedule("qr", { ...base, name: "never", cron: "0 0 30 2 *" }))
        assert.strictEqual(never.message, `schedule never: cron expression "0 0 30 2 *" never fires`)
        // The minimum is configurable.
        yield* addSchedule("qr", { ...base, name: "fast", every_ms: 50 }).pipe(
          Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ JOBS_MIN_SCHEDULE_INTERVAL_MS: "50" })))
        )
        assert.deepStrictEqual((yield* listSchedules("qr")).setAside.map((s) => s.spec.name), ["fast"])
      })), 30_000)
  })

suite("in-memory Redis", RedisClient.layerMemory)
suite("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())))
