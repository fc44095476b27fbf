/**
 * The Redis connection every runtime service talks through, with two layers:
 * `layerIORedis` (a real server, reconnecting) and `layerMemory` (an in-process twin
 * that runs the very same Lua scripts). `layerConfig` picks one from `REDIS_URL`.
 *
 * Why not effect/persistence/Redis: its `send<A>` trusts the caller about the reply
 * type. Here every reply is a `RedisReply` that callers decode, so a garbage value in
 * Redis becomes a readable error instead of a wrong type at run time.
 */
import { Config, Context, type Effect, Layer, Option, type Queue, Redacted, type Scope } from "effect"
import { makeIORedisClient } from "./IORedisClient.js"
import type { LuaScript } from "./LuaScript.js"
import { makeMemoryClient } from "./MemoryClient.js"
import type { RedisError } from "./RedisError.js"
import type { RedisReply } from "./RedisReply.js"

export interface RedisMessage {
  readonly channel: string
  readonly message: string
}

/** A connection no other caller shares, for blocking commands (BLMOVE, BZPOPMIN). */
export interface RedisConnection {
  readonly send: (command: string, ...args: ReadonlyArray<string>) => Effect.Effect<RedisReply, RedisError>
}

export class RedisClient extends Context.Service<RedisClient, {
  /** Which layer this is, for logs and health output: "memory" or a redacted URL. */
  readonly describe: string
  readonly send: (command: string, ...args: ReadonlyArray<string>) => Effect.Effect<RedisReply, RedisError>
  /** Sends several commands in one round trip; replies in order. */
  readonly pipeline: (
    commands: ReadonlyArray<readonly [string, ...Array<string>]>
  ) => Effect.Effect<ReadonlyArray<RedisReply>, RedisError>
  /** Runs a script atomically by SHA, loading it on NOSCRIPT. */
  readonly eval: (
    script: LuaScript,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string>
  ) => Effect.Effect<RedisReply, RedisError>
  /** Messages on a channel for the lifetime of the scope. */
  readonly subscribe: (channel: string) => Effect.Effect<Queue.Dequeue<RedisMessage>, RedisError, Scope.Scope>
  /** A dedicated connection, closed when the scope closes. */
  readonly reserve: Effect.Effect<RedisConnection, RedisError, Scope.Scope>
}>()("jobs/RedisClient") {
  static readonly layerIORedis = (url: Redacted.Redacted<string>): Layer.Layer<RedisClient, RedisError> =>
    Layer.effect(RedisClient, makeIORedisClient(url))

  static readonly layerMemory: Layer.Layer<RedisClient> = Layer.effect(RedisClient, makeMemoryClient)

  /** `REDIS_URL` set: that server; unset: the embedded in-memory twin. */
  static readonly layerConfig: Layer.Layer<RedisClient, RedisError | Config.ConfigError> = Layer.unwrap(
    Config.option(Config.Redacted("REDIS_URL")).pipe(Config.map((url) =>
      Option.match(Option.filter(url, (u) => Redacted.value(u).trim() !== ""), {
        onNone: () => RedisClient.layerMemory,
        onSome: (u) => RedisClient.layerIORedis(u)
      })
    ))
  )
}
