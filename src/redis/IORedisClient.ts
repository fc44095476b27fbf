/** The real-server layer of RedisClient, on ioredis. */
import { Redis as IORedis } from "ioredis"
import { Effect, Queue, Redacted, type Scope } from "effect"
import type { RedisConnection, RedisMessage } from "./RedisClient.js"
import { RedisError } from "./RedisError.js"
import { evalScriptWith } from "./LuaScript.js"
import { type RedisReply, toRedisReply } from "./RedisReply.js"
import { redactSecretsIn, redactUrl } from "./redactUrl.js"

const decodeReply = (op: string, raw: unknown): Effect.Effect<RedisReply, RedisError> => {
  const reply = toRedisReply(raw)
  return reply === undefined
    ? Effect.fail(new RedisError({ op, message: `redis ${op} returned an unexpected reply` }))
    : Effect.succeed(reply)
}

/** `quit` lets queued commands finish; `disconnect` does not wait (a blocked BLMOVE would hold QUIT back). */
const connect = (url: string, name: string, close: "quit" | "disconnect" = "quit"): Effect.Effect<IORedis, RedisError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const client = new IORedis(url, {
          connectionName: name,
          lazyConnect: true,
          // Commands issued while the connection is down wait for the reconnect instead of
          // failing after a fixed number of retries: a restarting Redis must not fail jobs.
          maxRetriesPerRequest: null,
          enableAutoPipelining: false,
          retryStrategy: (times) => Math.min(50 * times, 1000)
        })
        // ioredis reports socket errors as events; keep the first one for a readable failure.
        let firstError: unknown
        client.on("error", (error) => {
          firstError ??= error
        })
        try {
          await client.connect()
        } catch (cause) {
          client.disconnect()
          throw firstError ?? cause
        }
        return client
      },
      catch: (cause) =>
        new RedisError({
          op: "connect",
          // ioredis may have parsed part of an odd password as a host and named it in its message.
          message: `cannot connect to Redis at ${redactUrl(url)}: ${redactSecretsIn(cause instanceof Error ? cause.message : String(cause), url)}`
        })
    }),
    (client) =>
      close === "quit"
        // QUIT waits for a reply, which never comes while Redis is unreachable.
        ? Effect.promise(() => client.quit().catch(() => undefined)).pipe(
          Effect.timeoutOption("1 second"),
          Effect.andThen(Effect.sync(() => client.disconnect()))
        )
        : Effect.sync(() => client.disconnect())
  )

const sendWith = (client: IORedis) => (command: string, ...args: ReadonlyArray<string>) =>
  Effect.tryPromise({
    try: () => client.call(command, [...args]),
    catch: (cause) => RedisError.fromCause(command.toLowerCase(), cause)
  }).pipe(Effect.flatMap((raw) => decodeReply(command.toLowerCase(), raw)))

export const makeIORedisClient = (url: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const rawUrl = Redacted.value(url)
    const client = yield* connect(rawUrl, "jobs")
    const send = sendWith(client)

    const evalScript = evalScriptWith(send)

    const pipeline = (commands: ReadonlyArray<readonly [string, ...Array<string>]>) =>
      Effect.tryPromise({
        try: () => {
          const batch = client.pipeline()
          for (const [command, ...args] of commands) batch.call(command, ...args)
          return batch.exec()
        },
        catch: (cause) => RedisError.fromCause("pipeline", cause)
      }).pipe(
        Effect.flatMap((results) =>
          Effect.forEach(results ?? [], ([error, raw]) =>
            error === null ? decodeReply("pipeline", raw) : Effect.fail(RedisError.fromCause("pipeline", error)))
        )
      )

    const subscribe = (channel: string) =>
      Effect.gen(function*() {
        const subscriber = yield* connect(rawUrl, "jobs-subscriber", "disconnect")
        const queue = yield* Effect.acquireRelease(Queue.unbounded<RedisMessage>(), Queue.shutdown)
        subscriber.on("message", (from: string, message: string) => {
          Queue.offerUnsafe(queue, { channel: from, message })
        })
        yield* Effect.tryPromise({
          try: () => subscriber.subscribe(channel),
          catch: (cause) => RedisError.fromCause("subscribe", cause)
        })
        // Unsubscribed before the socket closes, so the server has dropped the subscription by the
        // time the scope is closed (a PUBLISH right after no longer counts it). Bounded: Redis may be down.
        yield* Effect.addFinalizer(() =>
          Effect.promise(() => subscriber.unsubscribe(channel).catch(() => undefined)).pipe(
            Effect.timeoutOption("1 second"),
            Effect.asVoid
          )
        )
        return queue
      })

    const reserve = connect(rawUrl, "jobs-reserved", "disconnect").pipe(
      Effect.map((connection): RedisConnection => ({ send: sendWith(connection) }))
    )

    return {
      describe: redactUrl(rawUrl),
      send,
      pipeline,
      eval: evalScript,
      subscribe,
      reserve
    }
  })
