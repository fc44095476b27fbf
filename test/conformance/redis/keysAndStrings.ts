/** Server and keyspace commands, strings, and expiry. */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import { expectError, expectReply, flush, NOT_INTEGER, realSleep, send, sorted, type SuiteIt, WRONGTYPE } from "./support.js"

export const keysAndStrings = (it: SuiteIt) => {
  describe("server", () => {
    it.effect("PING, ECHO, TIME, INFO, DBSIZE, FLUSHALL", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply("PONG", "PING")
        yield* expectReply("hi", "PING", "hi")
        yield* expectReply("hello", "ECHO", "hello")
        const time = yield* send("TIME")
        assert.isTrue(Array.isArray(time) && time.length === 2 && time.every((part) => typeof part === "string" && /^\d+$/.test(part)))
        assert.isTrue(Array.isArray(time) && Math.abs(Number(time[0]) - Date.now() / 1000) < 5)
        assert.include(String(yield* send("INFO")), "redis_version:")
        yield* send("SET", "a", "1")
        yield* send("HSET", "b", "f", "v")
        yield* expectReply(2, "DBSIZE")
        yield* expectReply("OK", "FLUSHALL")
        yield* expectReply(0, "DBSIZE")
        yield* expectReply(null, "GET", "a")
      }))

    it.effect("unknown commands and wrong argument counts", () =>
      Effect.gen(function*() {
        yield* expectError("ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' ", "NOSUCHCMD", "a")
        yield* expectError("ERR wrong number of arguments for 'get' command", "GET")
        yield* expectError("ERR wrong number of arguments for 'hset' command", "HSET", "h", "f")
        yield* expectError("ERR wrong number of arguments for 'hset' command", "HSET", "h", "f", "v", "g")
        yield* expectError("ERR wrong number of arguments for 'zadd' command", "ZADD", "z", "1")
      }))
  })

  describe("keys", () => {
    it.effect("DEL, UNLINK, EXISTS and TYPE over every kind", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("SET", "s", "v")
        yield* send("HSET", "h", "f", "v")
        yield* send("RPUSH", "l", "a")
        yield* send("SADD", "set", "m")
        yield* send("ZADD", "z", "1", "m")
        yield* send("XADD", "x", "*", "f", "v")
        for (const [key, type] of [["s", "string"], ["h", "hash"], ["l", "list"], ["set", "set"], ["z", "zset"], ["x", "stream"], ["none", "none"]]) {
          yield* expectReply(type ?? "", "TYPE", key ?? "")
        }
        yield* expectReply(3, "EXISTS", "s", "s", "h", "none")
        yield* expectReply(2, "DEL", "s", "h", "none")
        yield* expectReply(1, "UNLINK", "l")
        yield* expectReply(0, "EXISTS", "s", "h", "l")
        yield* expectReply(3, "DBSIZE")
      }))

    it.effect("RENAME keeps the value and its TTL; RENAMENX refuses an existing target", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("SET", "a", "1", "EX", "100")
        yield* send("HSET", "target", "f", "v")
        yield* expectReply("OK", "RENAME", "a", "target")
        yield* expectReply("1", "GET", "target")
        const ttl = yield* send("TTL", "target")
        assert.isTrue(typeof ttl === "number" && ttl > 90)
        yield* expectReply(0, "EXISTS", "a")
        yield* expectError("ERR no such key", "RENAME", "a", "b")
        yield* send("SET", "other", "x")
        yield* expectReply(0, "RENAMENX", "target", "other")
        yield* expectReply(1, "RENAMENX", "target", "fresh")
        yield* expectReply(["1", "x"], "MGET", "fresh", "other")
      }))

    it.effect("KEYS and SCAN with MATCH and COUNT", () =>
      Effect.gen(function*() {
        yield* flush
        for (let i = 0; i < 25; i++) yield* send("SET", `user:${i}`, "x")
        yield* send("SET", "other", "x")
        yield* send("SET", "h?llo", "x")
        assert.deepStrictEqual(sorted(yield* send("KEYS", "user:1*")), ["user:1", ...Array.from({ length: 10 }, (_, i) => `user:1${i}`)].sort())
        assert.deepStrictEqual(sorted(yield* send("KEYS", "h[?]llo")), ["h?llo"])
        assert.deepStrictEqual(sorted(yield* send("KEYS", "use[r]:2[^0-3]")), ["user:24"])
        const seen = new Set<string>()
        let cursor = "0"
        let rounds = 0
        do {
          const reply = yield* send("SCAN", cursor, "MATCH", "user:*", "COUNT", "5")
          assert.isTrue(Array.isArray(reply) && reply.length === 2 && typeof reply[0] === "string" && Array.isArray(reply[1]))
          if (!Array.isArray(reply) || !Array.isArray(reply[1])) break
          cursor = String(reply[0])
          for (const key of reply[1]) seen.add(String(key))
          rounds++
        } while (cursor !== "0" && rounds < 100)
        assert.strictEqual(cursor, "0")
        assert.strictEqual(seen.size, 25)
        assert.isTrue([...seen].every((key) => key.startsWith("user:")))
        yield* expectError("ERR syntax error", "SCAN", "0", "BOGUS", "1")
      }))

    it.effect("SCAN returns every key that stays, even while the scanner deletes what it saw", () =>
      Effect.gen(function*() {
        yield* flush
        for (let i = 0; i < 40; i++) yield* send("SET", `job:${i}`, "x")
        const seen = new Set<string>()
        let cursor = "0"
        let rounds = 0
        do {
          const reply = yield* send("SCAN", cursor, "COUNT", "5")
          if (!Array.isArray(reply) || !Array.isArray(reply[1])) break
          cursor = String(reply[0])
          const page = reply[1].map(String)
          for (const key of page) seen.add(key)
          if (page.length > 0) yield* send("DEL", ...page)
          rounds++
        } while (cursor !== "0" && rounds < 200)
        assert.strictEqual(seen.size, 40)
        yield* expectReply(0, "DBSIZE")
      }))

    it.effect("TTL, PTTL, EXPIRE options and PERSIST", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply(-2, "TTL", "missing")
        yield* expectReply(-2, "PTTL", "missing")
        yield* send("SET", "k", "v")
        yield* expectReply(-1, "TTL", "k")
        yield* expectReply(0, "EXPIRE", "missing", "10")
        yield* expectReply(0, "EXPIRE", "k", "100", "XX")
        yield* expectReply(1, "EXPIRE", "k", "100", "NX")
        yield* expectReply(0, "EXPIRE", "k", "200", "NX")
        yield* expectReply(0, "EXPIRE", "k", "50", "GT")
        yield* expectReply(1, "EXPIRE", "k", "200", "GT")
        yield* expectReply(1, "EXPIRE", "k", "150", "LT")
        const ttl = yield* send("TTL", "k")
        assert.isTrue(typeof ttl === "number" && ttl > 140 && ttl <= 150)
        const pttl = yield* send("PTTL", "k")
        assert.isTrue(typeof pttl === "number" && pttl > 140_000 && pttl <= 150_000)
        yield* expectReply(1, "PERSIST", "k")
        yield* expectReply(0, "PERSIST", "k")
        yield* expectReply(-1, "PTTL", "k")
        yield* expectError("ERR NX and XX, GT or LT options at the same time are not compatible", "EXPIRE", "k", "5", "NX", "XX")
        yield* expectError(NOT_INTEGER, "EXPIRE", "k", "soon")
        yield* expectReply(1, "PEXPIREAT", "k", String(Date.now() - 1000))
        yield* expectReply(0, "EXISTS", "k")
      }))

    it.effect("keys expire after a short PEXPIRE (lazily, on access)", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("SET", "short", "v")
        yield* send("RPUSH", "list", "a")
        yield* expectReply(1, "PEXPIRE", "short", "250")
        yield* expectReply("OK", "SET", "px", "v", "PX", "250")
        yield* send("PEXPIRE", "list", "250")
        yield* expectReply("v", "GET", "short")
        yield* realSleep(450)
        yield* expectReply(null, "GET", "short")
        yield* expectReply(null, "GET", "px")
        yield* expectReply(0, "LLEN", "list")
        yield* expectReply(-2, "PTTL", "short")
        yield* expectReply(0, "DBSIZE")
      }))
  })

  describe("strings", () => {
    it.effect("SET with NX, XX, GET, EX, PX and KEEPTTL", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply(null, "SET", "k", "v", "XX")
        yield* expectReply("OK", "SET", "k", "v1", "NX")
        yield* expectReply(null, "SET", "k", "v2", "NX")
        yield* expectReply("v1", "SET", "k", "v3", "GET")
        yield* expectReply(null, "SET", "fresh", "x", "GET")
        yield* expectReply("OK", "SET", "k", "v4", "XX", "EX", "100")
        const ttl = yield* send("TTL", "k")
        assert.isTrue(typeof ttl === "number" && ttl > 90)
        yield* expectReply("OK", "SET", "k", "v5", "KEEPTTL")
        const kept = yield* send("TTL", "k")
        assert.isTrue(typeof kept === "number" && kept > 90)
        yield* expectReply("OK", "SET", "k", "v6")
        yield* expectReply(-1, "TTL", "k")
        yield* expectError("ERR syntax error", "SET", "k", "v", "NX", "XX")
        yield* expectError("ERR syntax error", "SET", "k", "v", "BOGUS")
        yield* expectError("ERR invalid expire time in 'set' command", "SET", "k", "v", "EX", "0")
        yield* expectError(NOT_INTEGER, "SET", "k", "v", "PX", "1.5")
        yield* send("HSET", "h", "f", "v")
        yield* expectError(WRONGTYPE, "SET", "h", "v", "GET")
        yield* expectError(WRONGTYPE, "GET", "h")
        yield* expectReply(["v6", null, null], "MGET", "k", "h", "missing")
      }))

    it.effect("SETNX, SETEX, GETSET, APPEND", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply(1, "SETNX", "k", "v")
        yield* expectReply(0, "SETNX", "k", "w")
        yield* expectReply("v", "GETSET", "k", "w")
        yield* expectReply(4, "APPEND", "k", "xyz")
        yield* expectReply("wxyz", "GET", "k")
        yield* expectReply("OK", "SETEX", "t", "100", "v")
        const ttl = yield* send("TTL", "t")
        assert.isTrue(typeof ttl === "number" && ttl > 90)
        yield* expectError("ERR invalid expire time in 'setex' command", "SETEX", "t", "0", "v")
        yield* expectError(NOT_INTEGER, "SETEX", "t", "x", "v")
      }))

    it.effect("INCR, INCRBY, DECR and their errors", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply(1, "INCR", "n")
        yield* expectReply(11, "INCRBY", "n", "10")
        yield* expectReply(10, "DECR", "n")
        yield* expectReply(-5, "INCRBY", "n", "-15")
        yield* expectReply("-5", "GET", "n")
        yield* send("SET", "word", "abc")
        yield* expectError(NOT_INTEGER, "INCR", "word")
        yield* send("SET", "float", "1.5")
        yield* expectError(NOT_INTEGER, "INCR", "float")
        yield* expectError(NOT_INTEGER, "INCRBY", "n", "x")
        yield* send("SET", "big", "9223372036854775807")
        yield* expectError("ERR increment or decrement would overflow", "INCR", "big")
        // Beyond 2^53 the reply is the client's reading of the digits (see lua conversions): folded in
        // doubles, those of -2^63 + 2048 round to -2^63 + 4096, where Number() would be exact.
        yield* expectReply(-(2 ** 63) + 4096, "INCRBY", "low", "-9223372036854773760")
        yield* expectReply("9223372036854775807", "GET", "big")
        yield* send("RPUSH", "l", "a")
        yield* expectError(WRONGTYPE, "INCR", "l")
      }))
  })
}
