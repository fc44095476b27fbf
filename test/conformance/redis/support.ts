/** Helpers shared by the Redis command conformance families. */
import { assert, type Vitest } from "@effect/vitest"
import { Effect } from "effect"
import { RedisClient } from "../../../src/redis/RedisClient.js"
import type { RedisReply } from "../../../src/redis/RedisReply.js"

export type SuiteIt = Vitest.MethodsNonLive<RedisClient>

export const send = (command: string, ...args: Array<string>) =>
  Effect.gen(function*() {
    const redis = yield* RedisClient
    return yield* redis.send(command, ...args)
  })

/** Sends a command and asserts its reply. */
export const expectReply = (expected: RedisReply, command: string, ...args: Array<string>) =>
  send(command, ...args).pipe(
    Effect.tap((reply) => Effect.sync(() => assert.deepStrictEqual(reply, expected, `${command} ${args.join(" ")}`)))
  )

/** Sends a command and asserts it fails with Redis's own error text. */
export const expectError = (text: string, command: string, ...args: Array<string>) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(send(command, ...args))
    assert.strictEqual(error._tag, "RedisError")
    assert.strictEqual(error.op, command.toLowerCase())
    assert.include(error.message, text)
    return error
  })

export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
export const NOT_INTEGER = "ERR value is not an integer or out of range"

/** Each test starts from an empty database (the layer is shared by the whole suite). */
export const flush = send("FLUSHALL")

/** Waits in real time, independent of the Effect clock. */
export const realSleep = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

export const sorted = (reply: RedisReply): Array<string> => {
  assert.isTrue(Array.isArray(reply), `expected an array, got ${JSON.stringify(reply)}`)
  return (Array.isArray(reply) ? reply : []).map(String).sort()
}
