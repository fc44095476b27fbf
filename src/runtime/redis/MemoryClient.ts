/**
 * The in-memory layer of RedisClient: an embedded twin of redis-server 7.0 (see memory/Engine.ts)
 * that runs the same Lua scripts. Replies and error texts match what ioredis returns from a real
 * server, so the conformance suite runs unchanged against both layers.
 */
import { Effect, Queue, type Scope } from "effect"
import type { RedisConnection, RedisMessage } from "../RedisClient.js"
import type { LuaScript } from "./LuaScript.js"
import { Engine } from "./memory/Engine.js"
import { LuaScripts, makeLuaEngine } from "./memory/lua.js"
import { NestedErrorReply, type Reply, StatusReply } from "./memory/types.js"
import { RedisError } from "./RedisError.js"
import type { RedisReply } from "./RedisReply.js"

/** Undefined for what ioredis cannot decode either (an error nested in a script's array). */
const toRedisReply = (reply: Reply): RedisReply | undefined => {
  if (reply instanceof StatusReply) return reply.text
  if (reply instanceof NestedErrorReply) return undefined
  if (typeof reply === "string" || typeof reply === "number" || reply === null) return reply
  const out: Array<RedisReply> = []
  for (const item of reply) {
    const converted = toRedisReply(item)
    if (converted === undefined) return undefined
    out.push(converted)
  }
  return out
}

const failure = (op: string, message: string) => new RedisError({ op, message: `redis ${op} failed: ${message}` })

/** Resolves once a write touches one of `keys`, or at `deadline` (ms since epoch). */
const waitForWrite = (engine: Engine, keys: ReadonlyArray<string>, deadline: number | undefined): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const done = () => {
      cancel()
      clearTimeout(timer)
      resume(Effect.void)
    }
    const cancel = engine.onWrite(keys, done)
    if (deadline !== undefined) timer = setTimeout(done, Math.max(0, deadline - Date.now()))
    return Effect.sync(() => {
      cancel()
      clearTimeout(timer)
    })
  })

/**
 * Runs a command; a blocking one that finds nothing waits for the next write and tries again
 * until its deadline (then replies nil, as Redis does). Interrupting the fiber stops the wait.
 */
const run = (engine: Engine, command: string, args: ReadonlyArray<string>): Effect.Effect<RedisReply, RedisError> => {
  const op = command.toLowerCase()
  const attempt = (current: ReadonlyArray<string>, deadline: number | undefined, first: boolean): Effect.Effect<RedisReply, RedisError> =>
    Effect.suspend(() => {
      const outcome = engine.execute(command, current)
      if (outcome._tag === "Reply") {
        const reply = toRedisReply(outcome.reply)
        return reply === undefined
          ? Effect.fail(new RedisError({ op, message: `redis ${op} returned an unexpected reply` }))
          : Effect.succeed(reply)
      }
      if (outcome._tag === "Error") return Effect.fail(failure(op, outcome.message))
      const until = first ? outcome.block.deadline : deadline
      if (until !== undefined && until <= Date.now()) return Effect.succeed(null)
      return waitForWrite(engine, outcome.block.keys, until).pipe(Effect.andThen(attempt(outcome.block.retryArgs, until, false)))
    })
  return attempt(args, undefined, true)
}

export const makeMemoryClient = Effect.gen(function*() {
  const lua = yield* makeLuaEngine
  const engine = new Engine((runInScript) => new LuaScripts(lua, runInScript))
  const send = (command: string, ...args: ReadonlyArray<string>) => run(engine, command, args)

  const evalScript = (script: LuaScript, keys: ReadonlyArray<string>, args: ReadonlyArray<string>) =>
    send("EVALSHA", script.sha, String(keys.length), ...keys, ...args).pipe(
      Effect.catchIf(
        (error) => error.message.includes("NOSCRIPT"),
        () => send("SCRIPT", "LOAD", script.lua).pipe(
          Effect.andThen(send("EVALSHA", script.sha, String(keys.length), ...keys, ...args))
        )
      ),
      Effect.mapError((error) => new RedisError({ op: `script ${script.name}`, message: error.message }))
    )

  // Like a real pipeline, every command runs; the first error (if any) fails the whole call.
  const pipeline = (commands: ReadonlyArray<readonly [string, ...Array<string>]>) =>
    Effect.forEach(commands, ([command, ...args]) => Effect.result(send(command, ...args))).pipe(
      Effect.flatMap((results) =>
        Effect.forEach(results, (result) =>
          result._tag === "Success"
            ? Effect.succeed(result.success)
            : Effect.fail(new RedisError({ op: "pipeline", message: result.failure.message.replace(/^redis \S+ failed/, "redis pipeline failed") })))
      )
    )

  const subscribe = (channel: string): Effect.Effect<Queue.Dequeue<RedisMessage>, RedisError, Scope.Scope> =>
    Effect.gen(function*() {
      const queue = yield* Effect.acquireRelease(Queue.unbounded<RedisMessage>(), Queue.shutdown)
      yield* Effect.acquireRelease(
        Effect.sync(() => engine.subscribe(channel, (message) => Queue.offerUnsafe(queue, { channel, message }))),
        (unsubscribe) => Effect.sync(unsubscribe)
      )
      return queue
    })

  const reserve: Effect.Effect<RedisConnection, RedisError, Scope.Scope> = Effect.succeed({ send })

  return { describe: "memory", send, pipeline, eval: evalScript, subscribe, reserve }
})
