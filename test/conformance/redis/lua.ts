/** Lua scripting: conversions both ways, errors, the script cache, cjson, atomicity, PUBLISH. */
import { assert, describe } from "@effect/vitest"
import { Effect, Fiber, Queue } from "effect"
import { createHash } from "node:crypto"
import { RedisClient } from "../../../src/redis/RedisClient.js"
import type { LuaScript } from "../../../src/redis/LuaScript.js"
import { expectError, expectReply, flush, send, type SuiteIt, WRONGTYPE } from "./support.js"

const evalReply = (expected: Parameters<typeof expectReply>[0], script: string, ...rest: Array<string>) =>
  expectReply(expected, "EVAL", script, ...(rest.length === 0 ? ["0"] : rest))

const evalError = (text: string, script: string, ...rest: Array<string>) =>
  expectError(text, "EVAL", script, ...(rest.length === 0 ? ["0"] : rest))

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex")

export const lua = (it: SuiteIt) => {
  describe("lua conversions", () => {
    it.effect("Lua → Redis: numbers truncate, true → 1, false/nil → nil, tables stop at the first nil", () =>
      Effect.gen(function*() {
        yield* evalReply([1, 2, -2, 1, null, "a"], "return {1, 2.7, -2.7, true, false, 'a', nil, 'b'}")
        yield* evalReply(3, "return 3.99")
        yield* evalReply(-3, "return -3.99")
        yield* evalReply(1, "return true")
        yield* evalReply(null, "return false")
        yield* evalReply(null, "return nil")
        yield* evalReply("text", "return 'text'")
        yield* evalReply([1, [2, [3]], []], "return {1, {2, {3}}, {}}")
        // Redis replies :-9223372036854775808 (C's cast of an out-of-range double); ioredis's parser
        // folds the digits in doubles and rounds them to -2^63 - 2048, the twin likewise.
        const minInt64AsParsed = -(2 ** 63) - 2048
        yield* evalReply(minInt64AsParsed, "return math.huge")
        yield* evalReply(minInt64AsParsed, "return 2^63")
        const nested = yield* Effect.flip(send("EVAL", "return {1, {err='inner'}}", "0"))
        assert.include(nested.message, "unexpected reply")
        yield* evalReply([], "return {}")
        yield* evalReply(["k", "a", 1, 2], "return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "1", "k", "a", "b")
      }))

    it.effect("large replies and many arguments cross intact", () =>
      Effect.gen(function*() {
        const many = Array.from({ length: 3000 }, (_, i) => `v${i}`)
        const echoed = yield* send("EVAL", "return {#KEYS, #ARGV, KEYS[1], ARGV[#ARGV], {ARGV[1], {ARGV[2]}}}", "2", "k1", "k2", ...many)
        assert.deepStrictEqual(echoed, [2, 3000, "k1", "v2999", ["v0", ["v1"]]])
        const big = yield* send("EVAL", "local t = {} for i = 1, 10000 do t[i] = {i, tostring(i)} end return t", "0")
        assert.isTrue(Array.isArray(big) && big.length === 10000)
        assert.deepStrictEqual(Array.isArray(big) ? [big[0], big[9999]] : [], [[1, "1"], [10000, "10000"]])
        yield* send("DEL", "big")
        yield* send("RPUSH", "big", ...many)
        yield* evalReply([3000, "v2999"], "local l = redis.call('lrange', 'big', 0, -1) return {#l, l[#l]}")
        yield* expectReply(3000, "EVAL", "return redis.call('rpush', KEYS[1], unpack(ARGV))", "1", "pushed", ...many)
        yield* expectReply("v1500", "LINDEX", "pushed", "1500")
      }))

    it.effect("Lua → Redis: {ok=} and status_reply are statuses, {err=} and error_reply are errors", () =>
      Effect.gen(function*() {
        yield* evalReply("FINE", "return {ok='FINE'}")
        yield* evalReply("DONE", "return redis.status_reply('DONE')")
        yield* evalError("MY custom error", "return {err='MY custom error'}")
        yield* evalError("CUSTOM bad thing", "return redis.error_reply('CUSTOM bad thing')")
        yield* evalError("ERR bad", "return redis.error_reply('bad')")
        yield* evalReply("PONG", "return redis.call('ping')")
        yield* evalReply(["PONG"], "return {redis.call('ping')}")
      }))

    it.effect("Redis → Lua: integer → number, bulk → string, nil → false, array → table, status → {ok=}, error → {err=}", () =>
      Effect.gen(function*() {
        yield* flush
        yield* evalReply(
          ["number", "string", "boolean", "false", "table", "b", "table", "OK", "table", WRONGTYPE],
          `redis.call('set', 's', 'v')
           redis.call('rpush', 'l', 'a', 'b')
           local missing = redis.call('get', 'missing')
           local status = redis.call('set', 't', 'x')
           local failed = redis.pcall('hget', 's', 'f')
           local list = redis.call('lrange', 'l', 0, -1)
           return {type(redis.call('incr', 'n')), type(redis.call('get', 's')), type(missing), tostring(missing),
                   type(list), list[2], type(status), status.ok, type(failed), failed.err}`
        )
        yield* evalReply(["false", WRONGTYPE], "local ok, e = pcall(redis.call, 'hget', 's', 'f'); return {tostring(ok), e}")
      }))

    it.effect("numbers passed to redis.call become strings as Redis formats them", () =>
      Effect.gen(function*() {
        yield* flush
        yield* evalReply("OK", "return redis.call('set', 'n', 1.5)")
        yield* expectReply("1.5", "GET", "n")
        yield* evalReply("OK", "return redis.call('set', 'n', 3)")
        yield* expectReply("3", "GET", "n")
        yield* evalReply(5, "return redis.call('incrby', 'n', 2)")
        yield* evalError("ERR Lua redis lib command arguments must be strings or integers", "return redis.call('set', 'k', {})")
        yield* evalError("ERR Please specify at least one argument for this redis lib call", "return redis.call()")
      }))
  })

  describe("lua 5.1 behaviour", () => {
    it.effect("numbers print as Lua 5.1 prints them; 5.1 library names and the bit library exist", () =>
      Effect.gen(function*() {
        yield* evalReply(
          ["5", "0.1", "9.007199254741e+15", "0.33333333333333", "123456789012", "1e+100", "5", "3", "x=2"],
          `return {tostring(10 / 2), tostring(0.1), tostring(2 ^ 53), tostring(1 / 3), tostring(123456789012),
                   tostring(1e100), string.format('%s', 10 / 2), string.format('%d', 3.7), string.format('x=%d', 2.0)}`
        )
        yield* evalReply([1024, 3, 3, 1], "return {math.pow(2, 10), table.getn({1, 2, 3}), table.maxn({1, 2, 3}), math.mod(7, 3)}")
        yield* evalReply(
          [8, 3, 6, -2147483648, -1, 1, "000000ff", "FF", -1, 16909060],
          `return {bit.band(12, 10), bit.bor(1, 2), bit.bxor(5, 3), bit.lshift(1, 31), bit.bnot(0), bit.rshift(-1, 31),
                   bit.tohex(255), bit.tohex(255, -2), bit.arshift(-1, 4), bit.bswap(67305985)}`
        )
        yield* evalReply(["ab", "table", "Lua 5.1"], `return {loadstring("return 'a' .. 'b'")(), type(coroutine), _VERSION}`)
        yield* evalError("Script attempted to access nonexistent global variable 'os'", "return os.time()")
        yield* evalError("Script attempted to access nonexistent global variable 'print'", "print('x')")
      }))
  })

  describe("lua errors and the script cache", () => {
    it.effect("a failing redis.call aborts the script; earlier writes stay (no rollback)", () =>
      Effect.gen(function*() {
        yield* flush
        yield* evalError(
          WRONGTYPE,
          "redis.call('set', 'before', '1'); redis.call('hget', 'before', 'f'); redis.call('set', 'after', '1')"
        )
        yield* expectReply("1", "GET", "before")
        yield* expectReply(null, "GET", "after")
        yield* evalError(`${WRONGTYPE} script: `, "local a = 1\nlocal b = 2\nreturn redis.call('hget', 'before', 'f')")
        yield* evalError(", on @user_script:3.", "local a = 1\nlocal b = 2\nreturn redis.call('hget', 'before', 'f')")
        yield* evalError("ERR user_script:1: boom", "error('boom')")
        yield* evalError("MY custom", "error({err='MY custom'})")
        yield* evalError("ERR user_script:1: 42", "error(42)")
        yield* evalError("ERR user_script:1: attempt to index local 't' (a nil value)", "local t = nil; return t.field")
        yield* evalError("ERR user_script:2: attempt to perform arithmetic on local 'x' (a nil value)", "local x\nreturn x + 1")
        yield* evalError("Script attempted to access nonexistent global variable 'nope'", "return nope")
        yield* evalError("Attempt to modify a readonly table", "x = 1")
        yield* evalError("Attempt to modify a readonly table", "string.x = 1")
        yield* evalError("Attempt to modify a readonly table", "redis.call = nil")
        yield* evalReply(["x", 15, "3 items"], `KEYS[1] = 'x'
          local n = 0 for _ in pairs(string) do n = n + 1 end
          return {KEYS[1], n, ('%d items'):format(3.0)}`, "1", "k")
        yield* evalError("ERR Error compiling script (new function): user_script:1: unexpected symbol near", "return 1 +")
        yield* evalError("ERR This Redis command is not allowed from script", "return redis.call('blpop', 'l', 0)")
        yield* evalError("ERR This Redis command is not allowed from script", "return redis.call('eval', 'return 1', 0)")
        yield* evalError(
          "ERR xread command is not allowed with BLOCK option from scripts",
          "return redis.call('xread', 'BLOCK', '10', 'STREAMS', 'nostream', '0')"
        )
        yield* evalError("ERR Unknown Redis command called from script", "return redis.call('nosuch')")
        yield* evalReply("ERR Wrong number of args calling Redis command from script", "return redis.pcall('hset', 'h').err")
      }))

    it.effect("numkeys is validated", () =>
      Effect.gen(function*() {
        yield* expectError("ERR Number of keys can't be negative", "EVAL", "return 1", "-1")
        yield* expectError("ERR Number of keys can't be greater than number of args", "EVAL", "return 1", "2", "a")
        yield* expectError("ERR value is not an integer or out of range", "EVAL", "return 1", "x")
      }))

    it.effect("SCRIPT LOAD/EXISTS/FLUSH, EVALSHA and NOSCRIPT; eval() reloads after a flush", () =>
      Effect.gen(function*() {
        yield* flush
        const source = "return redis.call('incrby', KEYS[1], ARGV[1])"
        yield* expectReply("OK", "SCRIPT", "FLUSH")
        yield* expectError("NOSCRIPT No matching script. Please use EVAL.", "EVALSHA", sha1(source), "1", "n", "1")
        yield* expectReply(sha1(source), "SCRIPT", "LOAD", source)
        yield* expectReply([1, 0], "SCRIPT", "EXISTS", sha1(source), sha1("other"))
        yield* expectReply(5, "EVALSHA", sha1(source), "1", "n", "5")
        yield* expectReply("OK", "SCRIPT", "FLUSH")
        yield* expectReply([0], "SCRIPT", "EXISTS", sha1(source))
        const redis = yield* RedisClient
        const script: LuaScript = { name: "incr", lua: source, sha: sha1(source), numberOfKeys: 1 }
        assert.strictEqual(yield* redis.eval(script, ["n"], ["2"]), 7)
        assert.strictEqual(yield* redis.eval(script, ["n"], ["3"]), 10)
        const failure = yield* Effect.flip(redis.eval(script, ["n"], ["x"]))
        assert.strictEqual(failure.op, "script incr")
        assert.include(failure.message, "ERR value is not an integer or out of range")
        yield* expectReply(1, "EVAL", source, "1", "m", "1")
        yield* expectReply([1], "SCRIPT", "EXISTS", sha1(source))
      }))

    it.effect("cjson, redis.sha1hex and table.unpack-style helpers", () =>
      Effect.gen(function*() {
        yield* evalReply("[1,2,3]", "return cjson.encode({1, 2, 3})")
        yield* evalReply("{\"a\":1.5}", "return cjson.encode({a = 1.5})")
        yield* evalReply("{}", "return cjson.encode({})")
        yield* evalReply(["2", "x", "yes"], `local v = cjson.decode('{"a":[1,2.5,"x"],"n":null}')
          return {tostring(v.a[1] + 1), v.a[3], v.n == cjson.null and 'yes' or 'no'}`)
        yield* evalReply("[1,\"two\",{\"k\":null}]", "return cjson.encode(cjson.decode('[1,\"two\",{\"k\":null}]'))")
        // A lone surrogate escape is refused; a pair and an escaped backslash before a u are not.
        yield* evalError("Expected value but found invalid unicode escape code at character 3", "return cjson.decode(ARGV[1])[1]", "0", '["\\ud800x"]')
        yield* evalError("Expected value but found invalid unicode escape code at character 5", "return cjson.decode(ARGV[1])[1]", "0", '["ab\\udc00"]')
        yield* evalReply("\u{1F600}", "return cjson.decode(ARGV[1])[1]", "0", '["\\ud83d\\ude00"]')
        yield* evalReply("\\ud800", "return cjson.decode(ARGV[1])[1]", "0", '["\\\\ud800"]')
        yield* evalReply(sha1("abc"), "return redis.sha1hex('abc')")
        yield* evalReply(2, "return select('#', unpack({1, 2}))")
      }))
  })

  describe("lua atomicity and pub/sub", () => {
    it.effect("no command interleaves with a running script", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("SET", "n", "0")
        const bump = "redis.call('incr', KEYS[1]); for i = 1, 200 do redis.call('get', KEYS[1]) end; return redis.call('incr', KEYS[1])"
        const results = yield* Effect.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? send("EVAL", bump, "1", "n") : send("GET", "n"))),
          { concurrency: "unbounded" }
        )
        for (const [i, value] of results.entries()) {
          assert.strictEqual(Number(value) % 2, 0, `reply ${i} saw a half-finished script: ${String(value)}`)
        }
        yield* expectReply("40", "GET", "n")
      }))

    it.effect("PUBLISH from a script reaches subscribers and counts them", () =>
      Effect.scoped(Effect.gen(function*() {
        const redis = yield* RedisClient
        const messages = yield* redis.subscribe("lua-chan")
        yield* expectReply(1, "EVAL", "return redis.call('publish', KEYS[1], ARGV[1])", "1", "lua-chan", "from lua")
        assert.deepStrictEqual(yield* Queue.take(messages), { channel: "lua-chan", message: "from lua" })
        yield* expectReply(0, "EVAL", "return redis.call('publish', 'nobody', 'x')", "0")
      })))

    it.effect("a subscriber woken by a PUBLISH inside a script sees the script's final writes", () =>
      Effect.scoped(Effect.gen(function*() {
        yield* flush
        const redis = yield* RedisClient
        const messages = yield* redis.subscribe("mid-script")
        const reader = yield* Effect.forkChild(
          Effect.gen(function*() {
            const message = yield* Queue.take(messages)
            return [message.message, yield* redis.send("GET", "state")]
          }),
          { startImmediately: true }
        )
        yield* send(
          "EVAL",
          "redis.call('set', 'state', 'before'); redis.call('publish', 'mid-script', 'hi'); redis.call('set', 'state', 'after')",
          "0"
        )
        assert.deepStrictEqual(yield* Fiber.join(reader), ["hi", "after"])
      })))
  })
}
