/** Hashes, lists and sets: replies, errors and the deletion of emptied collections. */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import { expectError, expectReply, flush, NOT_INTEGER, send, sorted, type SuiteIt, WRONGTYPE } from "./support.js"

export const collections = (it: SuiteIt) => {
  describe("hashes", () => {
    it.effect("HSET, HSETNX, HGET, HMGET, HGETALL, HKEYS, HLEN, HEXISTS", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply(2, "HSET", "h", "a", "1", "b", "2")
        yield* expectReply(1, "HSET", "h", "a", "10", "c", "3")
        yield* expectReply(0, "HSETNX", "h", "a", "x")
        yield* expectReply(1, "HSETNX", "h", "d", "4")
        yield* expectReply("10", "HGET", "h", "a")
        yield* expectReply(null, "HGET", "h", "zz")
        yield* expectReply(null, "HGET", "missing", "a")
        yield* expectReply(["10", null, "3"], "HMGET", "h", "a", "zz", "c")
        yield* expectReply(["a", "10", "b", "2", "c", "3", "d", "4"], "HGETALL", "h")
        yield* expectReply([], "HGETALL", "missing")
        assert.deepStrictEqual(sorted(yield* send("HKEYS", "h")), ["a", "b", "c", "d"])
        yield* expectReply(4, "HLEN", "h")
        yield* expectReply(1, "HEXISTS", "h", "a")
        yield* expectReply(0, "HEXISTS", "h", "zz")
      }))

    it.effect("HDEL of the last field deletes the hash; HINCRBY errors", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("HSET", "h", "a", "1", "b", "2")
        yield* expectReply(1, "HDEL", "h", "a", "zz")
        yield* expectReply(1, "EXISTS", "h")
        yield* expectReply(1, "HDEL", "h", "b")
        yield* expectReply(0, "EXISTS", "h")
        yield* expectReply("none", "TYPE", "h")
        yield* expectReply(5, "HINCRBY", "counter", "n", "5")
        yield* expectReply(2, "HINCRBY", "counter", "n", "-3")
        yield* send("HSET", "counter", "word", "abc")
        yield* expectError("ERR hash value is not an integer", "HINCRBY", "counter", "word", "1")
        yield* expectError(NOT_INTEGER, "HINCRBY", "counter", "n", "1.5")
        yield* send("SET", "s", "x")
        yield* expectError(WRONGTYPE, "HSET", "s", "f", "v")
        yield* expectError(WRONGTYPE, "HGETALL", "s")
      }))
  })

  describe("lists", () => {
    it.effect("LPUSH, RPUSH, LRANGE, LLEN, LINDEX", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply(2, "RPUSH", "l", "b", "c")
        yield* expectReply(4, "LPUSH", "l", "a", "z")
        yield* expectReply(["z", "a", "b", "c"], "LRANGE", "l", "0", "-1")
        yield* expectReply(["a", "b"], "LRANGE", "l", "1", "2")
        yield* expectReply(["b", "c"], "LRANGE", "l", "-2", "100")
        yield* expectReply([], "LRANGE", "l", "5", "10")
        yield* expectReply([], "LRANGE", "missing", "0", "-1")
        yield* expectReply(4, "LLEN", "l")
        yield* expectReply(0, "LLEN", "missing")
        yield* expectReply("c", "LINDEX", "l", "-1")
        yield* expectReply(null, "LINDEX", "l", "9")
        yield* expectError(NOT_INTEGER, "LRANGE", "l", "a", "1")
      }))

    it.effect("LPOP and RPOP, with and without a count; the emptied list is deleted", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("RPUSH", "l", "a", "b", "c", "d", "e")
        yield* expectReply("a", "LPOP", "l")
        yield* expectReply("e", "RPOP", "l")
        yield* expectReply(["b", "c"], "LPOP", "l", "2")
        yield* expectReply([], "LPOP", "l", "0")
        yield* expectReply(["d"], "RPOP", "l", "5")
        yield* expectReply(0, "EXISTS", "l")
        yield* expectReply(null, "LPOP", "l")
        yield* expectReply(null, "LPOP", "l", "2")
        yield* expectError("ERR value is out of range, must be positive", "LPOP", "l", "-1")
        yield* send("RPUSH", "l2", "x", "y", "z")
        yield* expectReply(["z", "y"], "RPOP", "l2", "2")
      }))

    it.effect("LREM from the head, the tail and all", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("RPUSH", "l", "x", "a", "x", "b", "x", "c", "x")
        yield* expectReply(2, "LREM", "l", "2", "x")
        yield* expectReply(["a", "b", "x", "c", "x"], "LRANGE", "l", "0", "-1")
        yield* expectReply(1, "LREM", "l", "-1", "x")
        yield* expectReply(["a", "b", "x", "c"], "LRANGE", "l", "0", "-1")
        yield* expectReply(1, "LREM", "l", "0", "x")
        yield* expectReply(0, "LREM", "l", "0", "nothing")
        yield* expectReply(0, "LREM", "missing", "0", "x")
        yield* send("RPUSH", "only", "x", "x")
        yield* expectReply(2, "LREM", "only", "0", "x")
        yield* expectReply(0, "EXISTS", "only")
      }))

    it.effect("LMOVE, RPOPLPUSH and the same-key rotation", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("RPUSH", "src", "a", "b", "c")
        yield* expectReply("c", "RPOPLPUSH", "src", "dst")
        yield* expectReply("a", "LMOVE", "src", "dst", "LEFT", "RIGHT")
        yield* expectReply(["c", "a"], "LRANGE", "dst", "0", "-1")
        yield* expectReply("b", "LMOVE", "src", "dst", "RIGHT", "LEFT")
        yield* expectReply(0, "EXISTS", "src")
        yield* expectReply(null, "LMOVE", "src", "dst", "LEFT", "LEFT")
        yield* expectReply("a", "LMOVE", "dst", "dst", "RIGHT", "LEFT")
        yield* expectReply(["a", "b", "c"], "LRANGE", "dst", "0", "-1")
        yield* send("RPUSH", "one", "x")
        yield* expectReply("x", "LMOVE", "one", "one", "RIGHT", "RIGHT")
        yield* expectReply(["x"], "LRANGE", "one", "0", "-1")
        yield* expectError("ERR syntax error", "LMOVE", "one", "dst", "UP", "LEFT")
        yield* send("SET", "str", "v")
        yield* expectError(WRONGTYPE, "LMOVE", "one", "str", "LEFT", "LEFT")
        yield* expectReply(["x"], "LRANGE", "one", "0", "-1")
        yield* expectError(WRONGTYPE, "LPUSH", "str", "a")
      }))
  })

  describe("sets", () => {
    it.effect("SADD, SREM, SMEMBERS, SISMEMBER, SCARD; the emptied set is deleted", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply(3, "SADD", "s", "a", "b", "c", "a")
        yield* expectReply(0, "SADD", "s", "a")
        assert.deepStrictEqual(sorted(yield* send("SMEMBERS", "s")), ["a", "b", "c"])
        yield* expectReply([], "SMEMBERS", "missing")
        yield* expectReply(1, "SISMEMBER", "s", "a")
        yield* expectReply(0, "SISMEMBER", "s", "z")
        yield* expectReply(3, "SCARD", "s")
        yield* expectReply(2, "SREM", "s", "a", "b", "z")
        yield* expectReply(1, "SREM", "s", "c")
        yield* expectReply(0, "EXISTS", "s")
        yield* expectReply(0, "SCARD", "s")
        yield* send("SADD", "ints", "10", "-2", "3", "7")
        yield* expectReply(["-2", "3", "7", "10"], "SMEMBERS", "ints")
        yield* send("SET", "str", "v")
        yield* expectError(WRONGTYPE, "SADD", "str", "a")
        yield* expectError(WRONGTYPE, "SMEMBERS", "str")
      }))
  })
}
