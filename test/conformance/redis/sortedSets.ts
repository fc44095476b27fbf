/** Sorted sets: ZADD flags, ranges by rank and score, pops and their reply shapes. */
import { describe } from "@effect/vitest"
import { Effect } from "effect"
import { expectError, expectReply, flush, send, type SuiteIt, WRONGTYPE } from "./support.js"

const seed = send("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")

export const sortedSets = (it: SuiteIt) => {
  describe("sorted sets", () => {
    it.effect("ZADD with NX, XX, GT, LT, CH; ZSCORE, ZCARD, ZINCRBY", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply(2, "ZADD", "z", "1", "a", "2", "b")
        yield* expectReply(0, "ZADD", "z", "5", "a")
        yield* expectReply("5", "ZSCORE", "z", "a")
        yield* expectReply(0, "ZADD", "z", "NX", "9", "a")
        yield* expectReply(0, "ZADD", "z", "XX", "9", "new")
        yield* expectReply(null, "ZSCORE", "z", "new")
        yield* expectReply(1, "ZADD", "z", "GT", "CH", "6", "a")
        yield* expectReply(0, "ZADD", "z", "GT", "CH", "1", "a")
        yield* expectReply(1, "ZADD", "z", "LT", "CH", "0.5", "a")
        yield* expectReply(1, "ZADD", "z", "GT", "7", "c")
        yield* expectReply(2, "ZADD", "z", "CH", "3", "b", "4", "d")
        yield* expectReply("0.5", "ZSCORE", "z", "a")
        yield* expectReply(4, "ZCARD", "z")
        yield* expectReply(0, "ZCARD", "missing")
        yield* expectReply("2", "ZINCRBY", "z", "1.5", "a")
        yield* expectReply("-1.5", "ZINCRBY", "fresh", "-1.5", "m")
        yield* expectReply("2.5", "ZADD", "z", "INCR", "0.5", "a")
        yield* expectReply("0.10000000000000001", "ZADD", "z", "INCR", "0.1", "tenth")
        yield* expectReply("inf", "ZADD", "z", "INCR", "+inf", "top")
        yield* expectError("ERR value is not a valid float", "ZADD", "z", "abc", "m")
        yield* expectError("ERR XX and NX options at the same time are not compatible", "ZADD", "z", "NX", "XX", "1", "m")
        yield* expectError("ERR GT, LT, and/or NX options at the same time are not compatible", "ZADD", "z", "GT", "LT", "1", "m")
        yield* expectError("ERR syntax error", "ZADD", "z", "1", "a", "2")
        yield* expectError("ERR value is not a valid float", "ZINCRBY", "z", "x", "a")
      }))

    it.effect("ZRANGE by rank, REV, BYSCORE with LIMIT and WITHSCORES; ZREVRANGE", () =>
      Effect.gen(function*() {
        yield* flush
        yield* seed
        yield* expectReply(["a", "b", "c", "d", "e"], "ZRANGE", "z", "0", "-1")
        yield* expectReply(["b", "2", "c", "3"], "ZRANGE", "z", "1", "2", "WITHSCORES")
        yield* expectReply(["e", "d"], "ZRANGE", "z", "0", "1", "REV")
        yield* expectReply(["b", "c", "d"], "ZRANGE", "z", "2", "4", "BYSCORE")
        yield* expectReply(["c", "d"], "ZRANGE", "z", "(2", "4", "BYSCORE", "LIMIT", "0", "2")
        yield* expectReply(["d", "4", "c", "3"], "ZRANGE", "z", "4", "(2", "BYSCORE", "REV", "WITHSCORES")
        yield* expectReply(["d", "c"], "ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2")
        yield* expectReply([], "ZRANGE", "missing", "0", "-1")
        yield* expectReply(["e", "d", "c"], "ZREVRANGE", "z", "0", "2")
        yield* expectReply(["a", "1"], "ZREVRANGE", "z", "-1", "-1", "WITHSCORES")
        yield* expectError(
          "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
          "ZRANGE",
          "z",
          "0",
          "1",
          "LIMIT",
          "0",
          "1"
        )
      }))

    it.effect("ZRANGEBYSCORE with -inf/+inf, exclusive bounds, LIMIT and WITHSCORES; ZCOUNT", () =>
      Effect.gen(function*() {
        yield* flush
        yield* seed
        yield* expectReply(["a", "b", "c", "d", "e"], "ZRANGEBYSCORE", "z", "-inf", "+inf")
        yield* expectReply(["b", "c"], "ZRANGEBYSCORE", "z", "(1", "(4")
        yield* expectReply(["c", "3", "d", "4"], "ZRANGEBYSCORE", "z", "2", "5", "WITHSCORES", "LIMIT", "1", "2")
        yield* expectReply(["d", "e"], "ZRANGEBYSCORE", "z", "(3", "inf", "LIMIT", "0", "-1")
        yield* expectReply([], "ZRANGEBYSCORE", "z", "6", "+inf")
        yield* expectReply(3, "ZCOUNT", "z", "(1", "4")
        yield* expectReply(5, "ZCOUNT", "z", "-inf", "+inf")
        yield* expectError("ERR min or max is not a float", "ZRANGEBYSCORE", "z", "low", "5")
        yield* expectError("ERR min or max is not a float", "ZCOUNT", "z", "(x", "5")
      }))

    it.effect("ZRANK, ZREM, ZREMRANGEBYSCORE; the emptied sorted set is deleted", () =>
      Effect.gen(function*() {
        yield* flush
        yield* seed
        yield* expectReply(0, "ZRANK", "z", "a")
        yield* expectReply(3, "ZRANK", "z", "d")
        yield* expectReply(null, "ZRANK", "z", "zz")
        yield* expectReply(2, "ZREM", "z", "a", "e", "zz")
        yield* expectReply(0, "ZRANK", "z", "b")
        yield* expectReply(2, "ZREMRANGEBYSCORE", "z", "-inf", "(4")
        yield* expectReply(["d"], "ZRANGE", "z", "0", "-1")
        yield* expectReply(1, "ZREMRANGEBYSCORE", "z", "4", "4")
        yield* expectReply(0, "EXISTS", "z")
        yield* send("SET", "str", "v")
        yield* expectError(WRONGTYPE, "ZADD", "str", "1", "a")
        yield* expectError(WRONGTYPE, "ZRANGE", "str", "0", "-1")
      }))

    it.effect("lexicographic ranges: ZRANGEBYLEX, ZRANGE BYLEX, ZLEXCOUNT, ZREMRANGEBYLEX", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e")
        yield* expectReply(["b", "c", "d"], "ZRANGEBYLEX", "lex", "[b", "[d")
        yield* expectReply(["c", "d", "e"], "ZRANGEBYLEX", "lex", "(b", "+")
        yield* expectReply(["b", "c"], "ZRANGEBYLEX", "lex", "-", "+", "LIMIT", "1", "2")
        yield* expectReply(["e", "d"], "ZRANGE", "lex", "+", "(c", "BYLEX", "REV")
        yield* expectReply(["d", "c"], "ZREVRANGEBYLEX", "lex", "[d", "[c")
        yield* expectReply(5, "ZLEXCOUNT", "lex", "-", "+")
        yield* expectReply(2, "ZREMRANGEBYLEX", "lex", "[a", "(c")
        yield* expectReply(["c", "d", "e"], "ZRANGE", "lex", "0", "-1")
        yield* expectError("ERR min or max not valid string range item", "ZRANGEBYLEX", "lex", "a", "+")
        yield* expectError("ERR syntax error, WITHSCORES not supported in combination with BYLEX", "ZRANGE", "lex", "-", "+", "BYLEX", "WITHSCORES")
      }))

    it.effect("ZPOPMIN and ZPOPMAX with counts and ties ordered by member", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("ZADD", "z", "1", "b", "1", "a", "3", "c", "2.5", "d")
        yield* expectReply(["a", "1"], "ZPOPMIN", "z")
        yield* expectReply(["c", "3", "d", "2.5"], "ZPOPMAX", "z", "2")
        yield* expectReply(["b", "1"], "ZPOPMIN", "z", "10")
        yield* expectReply(0, "EXISTS", "z")
        yield* expectReply([], "ZPOPMIN", "z")
        yield* expectReply([], "ZPOPMAX", "missing", "3")
      }))
  })
}
