/**
 * Live workers per domain: each worker refreshes its entry in `{domain}:workers` (a sorted
 * set scored by heartbeat deadline). Readiness is "at least one entry whose deadline is ahead".
 */
import { Context, Effect, Layer } from "effect"
import type { JobDomain } from "../contracts/JobDomain.js"
import { queueKeys } from "../contracts/Keys.js"
import { RedisClient } from "../redis/RedisClient.js"
import type { RedisError } from "../redis/RedisError.js"
import { replyArray, replyNumber } from "../redis/RedisReply.js"

export class WorkerRegistry extends Context.Service<WorkerRegistry, {
  readonly heartbeat: (domain: JobDomain, workerId: string, ttlMs: number) => Effect.Effect<void, RedisError>
  readonly deregister: (domain: JobDomain, workerId: string) => Effect.Effect<void, RedisError>
  /** Ids of workers whose heartbeat has not expired; expired entries are pruned. */
  readonly live: (domain: JobDomain) => Effect.Effect<ReadonlyArray<string>, RedisError>
}>()("jobs/WorkerRegistry") {
  static readonly layer = Layer.effect(WorkerRegistry, Effect.gen(function*() {
    const redis = yield* RedisClient
    // Redis's clock, so workers on machines with skewed clocks agree on who is live.
    const serverNow = redis.send("TIME").pipe(Effect.map((reply) => {
      const [seconds, micros] = (replyArray(reply) ?? []).map((v) => replyNumber(v) ?? 0)
      return (seconds ?? 0) * 1000 + Math.floor((micros ?? 0) / 1000)
    }))
    return WorkerRegistry.of({
      heartbeat: (domain, workerId, ttlMs) =>
        serverNow.pipe(Effect.flatMap((now) => redis.send("ZADD", queueKeys(domain).workers, String(now + ttlMs), workerId)), Effect.asVoid),
      deregister: (domain, workerId) => redis.send("ZREM", queueKeys(domain).workers, workerId).pipe(Effect.asVoid),
      live: (domain) =>
        Effect.gen(function*() {
          const now = yield* serverNow
          const key = queueKeys(domain).workers
          const [, ids] = yield* redis.pipeline([
            ["ZREMRANGEBYSCORE", key, "-inf", `(${now}`],
            ["ZRANGEBYSCORE", key, String(now), "+inf"]
          ])
          return (replyArray(ids ?? null) ?? []).map(String)
        })
    })
  }))
}
