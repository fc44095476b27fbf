/**
 * The in-memory layer of RedisClient: an embedded twin of redis-server 7.0 (see memory/Engine.ts)
 * that runs the same Lua scripts. Replies and error texts match what ioredis returns from a real
 * server, so the conformance suite runs unchanged against both layers.
 */
import { Effect, Queue, type Scope } from "effect"
import type { RedisConnection, RedisMessage } from "./RedisClient.js"
import { evalScriptWith } from "./LuaScript.js"
import { Engine, type Outcome } from "./memory/Engine.js"
import { LuaScripts, makeLuaEngine } from "./memory/lua.js"
import { integerReply } from "./memory/args.js"
import { Int64Reply, NestedErrorReply, type Reply, StatusReply } from "./memory/types.js"
import { RedisError } from "./RedisError.js"
import type { RedisReply } from "./RedisReply.js"

/** Undefined for what ioredis cannot decode either (an error nested in a script's array). */
const toRedisReply = (reply: Reply): RedisReply | undefined => {
  if (reply instanceof StatusReply) return reply.text
  if (reply instanceof Int64Reply) return integerReply(reply.text)
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

const fromOutcome = (op: string, outcome: Exclude<Outcome, { _tag: "Blocked" }>): Effect.Effect<RedisReply, RedisError> => {
  if (outcome._tag === "Error") return Effect.fail(failure(op, outcome.message))
  const reply = toRedisReply(outcome.reply)
  return reply === undefined
    ? Effect.fail(new RedisError({ op, message: `redis ${op} returned an unexpected reply` }))
    : Effect.succeed(reply)
}

/**
 * Runs a command. A blocking one that finds nothing registers with the engine, which retries
 * it inside the very write that touches its keys (so it is served before any other command, as
 * Redis serves blocked clients); at its deadline it replies nil. Interrupting the fiber unregisters.
 */
const run = (engine: Engine, command: string, args: ReadonlyArray<string>): Effect.Effect<RedisReply, RedisError> => {
  const op = command.toLowerCase()
  return Effect.suspend(() => {
    const first = engine.execute(command, args)
    if (first._tag !== "Blocked") return fromOutcome(op, first)
    const { keys, deadline, retryArgs } = first.block
    if (deadline !== undefined && deadline <= Date.now()) return Effect.succeed(null)
    return Effect.callback<RedisReply, RedisError>((resume) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const finish = (result: Effect.Effect<RedisReply, RedisError>) => {
        cancel()
        clearTimeout(timer)
        resume(result)
      }
      const cancel = engine.onWrite(keys, () => {
        const outcome = engine.execute(command, retryArgs)
        if (outcome._tag === "Blocked") return false
        // Served now, inside the writer's command; the fiber resumes after it (resuming runs
        // the fiber on the spot, which must not happen in the middle of the engine's work).
        cancel()
        clearTimeout(timer)
        queueMicrotask(() => resume(fromOutcome(op, outcome)))
        return true
      })
      if (deadline !== undefined) timer = setTimeout(() => finish(Effect.succeed(null)), Math.max(0, deadline - Date.now()))
      return Effect.sync(() => {
        cancel()
        clearTimeout(timer)
      })
    })
  })
}

export const makeMemoryClient = Effect.gen(function*() {
  const lua = yield* makeLuaEngine
  const engine = new Engine((runInScript) => new LuaScripts(lua, runInScript))
  const send = (command: string, ...args: ReadonlyArray<string>) => run(engine, command, args)

  const evalScript = evalScriptWith(send)

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
        // Delivered after the publishing command (or script) has finished, as Redis does, so a
        // subscriber never runs in the middle of a script.
        Effect.sync(() =>
          engine.subscribe(channel, (message) => queueMicrotask(() => Queue.offerUnsafe(queue, { channel, message })))
        ),
        (unsubscribe) => Effect.sync(unsubscribe)
      )
      return queue
    })

  const reserve: Effect.Effect<RedisConnection, RedisError, Scope.Scope> = Effect.succeed({ send })

  return { describe: "memory", send, pipeline, eval: evalScript, subscribe, reserve }
})
