/** Helpers for the reliability suite: polling for a job state, reading the event log. */
import { assert } from "@effect/vitest"
import { parseWireJson } from "../../src/contracts/WireJson.js"
import { Effect, type Layer, Option, type Scope } from "effect"
import { jobKey } from "../../src/contracts/Keys.js"
import { type JobRecord, JobStore } from "../../src/runtime/JobStore.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import type { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer, type RuntimeServices } from "../../src/runtime/RuntimeLayer.js"
import { replyArray, replyRecord, replyString } from "../../src/redis/RedisReply.js"

export type Run = <A, E>(effect: Effect.Effect<A, E, RuntimeServices | Scope.Scope>) => Effect.Effect<A, E>

/** Runs each test on a flushed database with the given settings. */
export const makeRun = (redis: Layer.Layer<RedisClient>, config: Layer.Layer<RuntimeConfig>): Run => {
  const layer = runtimeLayer(redis, config)
  return (effect) =>
    Effect.gen(function*() {
      yield* (yield* RedisClient).send("FLUSHALL").pipe(Effect.orDie)
      return yield* effect
    }).pipe(Effect.scoped, Effect.provide(layer))
}

/** Polls (real time) until `check` returns a value, failing the test after ~8 s. */
export const eventually = <A, E, R>(what: string, check: Effect.Effect<A | undefined, E, R>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 800; i++) {
      const value = yield* check
      if (value !== undefined) return value
      yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 10)))
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })

export const loadRecord = (jobId: string) =>
  Effect.gen(function*() {
    const record = yield* (yield* JobStore).loadRecord("qr", jobId)
    return Option.getOrUndefined(record)
  })

export const recordWhere = (jobId: string, what: string, test: (record: JobRecord) => boolean) =>
  eventually(`job ${jobId}: ${what}`, loadRecord(jobId).pipe(Effect.map((r) => (r !== undefined && test(r) ? r : undefined))))

export const waitForStatus = (jobId: string, status: string) =>
  recordWhere(jobId, `status ${status}`, (r) => r.status.status === status)

export const rawHash = (jobId: string) =>
  Effect.gen(function*() {
    const reply = yield* (yield* RedisClient).send("HGETALL", jobKey("qr", jobId))
    return replyRecord(reply) ?? {}
  })

/** Every event in the domain's log, parsed. */
export const loggedEvents = Effect.gen(function*() {
  const reply = yield* (yield* RedisClient).send("XRANGE", "qr:events:log", "-", "+")
  return (replyArray(reply) ?? []).flatMap((entry) => {
    const fields = replyArray((replyArray(entry) ?? [])[1] ?? null) ?? []
    const json = replyString(fields[1] ?? null)
    if (json === undefined) return []
    // user_id is read exactly, as a bigint, as the runtime reads it.
    const parsed: unknown = parseWireJson(json)
    return typeof parsed === "object" && parsed !== null ? [parsed] : []
  })
})

export const eventsOf = (jobId: string) =>
  loggedEvents.pipe(Effect.map((events) => events.filter((e) => "job_id" in e && e.job_id === jobId)))

export const fieldOf = (event: object, key: string): unknown => (key in event ? Reflect.get(event, key) : undefined)

export const assertStartsWith = (actual: string | null | undefined, prefix: string) =>
  assert.isTrue((actual ?? "").startsWith(prefix), `expected "${actual}" to start with "${prefix}"`)
