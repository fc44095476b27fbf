/** Streams: ids, ranges, trimming and non-blocking XREAD. */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import { expectError, expectReply, flush, send, type SuiteIt, WRONGTYPE } from "./support.js"

const parseId = (id: unknown): readonly [bigint, bigint] => {
  const match = /^(\d+)-(\d+)$/.exec(String(id))
  assert.isNotNull(match, `not a stream id: ${String(id)}`)
  return [BigInt(match?.[1] ?? "0"), BigInt(match?.[2] ?? "0")]
}

const isAfter = (later: unknown, earlier: unknown): boolean => {
  const [a, b] = [parseId(later), parseId(earlier)]
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])
}

export const streams = (it: SuiteIt) => {
  describe("streams", () => {
    it.effect("XADD with explicit and * ids: strictly increasing, errors for stale ids", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply("1-1", "XADD", "s", "1-1", "f", "v")
        yield* expectReply("1-2", "XADD", "s", "1-*", "f", "v")
        yield* expectReply("5-0", "XADD", "s", "5", "f", "v")
        yield* expectError(
          "ERR The ID specified in XADD is equal or smaller than the target stream top item",
          "XADD",
          "s",
          "5-0",
          "f",
          "v"
        )
        yield* expectError("ERR The ID specified in XADD must be greater than 0-0", "XADD", "fresh", "0-0", "f", "v")
        yield* expectError("ERR Invalid stream ID specified as stream command argument", "XADD", "s", "abc", "f", "v")
        yield* expectError("ERR wrong number of arguments for 'xadd' command", "XADD", "s", "*", "f", "v", "g")
        let previous: unknown = "5-0"
        for (let i = 0; i < 50; i++) {
          const id = yield* send("XADD", "s", "*", "n", String(i))
          assert.isTrue(isAfter(id, previous), `${String(id)} after ${String(previous)}`)
          previous = id
        }
        yield* expectReply(53, "XLEN", "s")
        yield* expectReply(0, "XLEN", "missing")
        yield* send("SET", "str", "v")
        yield* expectError(WRONGTYPE, "XADD", "str", "*", "f", "v")
      }))

    it.effect("XRANGE and XREVRANGE with -, +, partial and exclusive ids and COUNT", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("XADD", "s", "1-0", "a", "1")
        yield* send("XADD", "s", "1-1", "b", "2", "c", "3")
        yield* send("XADD", "s", "2-0", "d", "4")
        yield* expectReply([["1-0", ["a", "1"]], ["1-1", ["b", "2", "c", "3"]], ["2-0", ["d", "4"]]], "XRANGE", "s", "-", "+")
        yield* expectReply([["1-0", ["a", "1"]], ["1-1", ["b", "2", "c", "3"]]], "XRANGE", "s", "1", "1")
        yield* expectReply([["1-1", ["b", "2", "c", "3"]], ["2-0", ["d", "4"]]], "XRANGE", "s", "(1-0", "+")
        yield* expectReply([["1-0", ["a", "1"]]], "XRANGE", "s", "-", "+", "COUNT", "1")
        yield* expectReply([["2-0", ["d", "4"]], ["1-1", ["b", "2", "c", "3"]]], "XREVRANGE", "s", "+", "-", "COUNT", "2")
        yield* expectReply([["1-0", ["a", "1"]]], "XREVRANGE", "s", "(1-1", "-")
        yield* expectReply([], "XRANGE", "missing", "-", "+")
        yield* expectError("ERR Invalid stream ID specified as stream command argument", "XRANGE", "s", "x", "+")
      }))

    it.effect("XTRIM and XADD MAXLEN: exact with =, bounded with ~; emptied streams stay", () =>
      Effect.gen(function*() {
        yield* flush
        for (let i = 1; i <= 10; i++) yield* send("XADD", "s", `${i}-0`, "n", String(i))
        yield* expectReply(6, "XTRIM", "s", "MAXLEN", "4")
        yield* expectReply([["7-0", ["n", "7"]]], "XRANGE", "s", "-", "+", "COUNT", "1")
        yield* expectReply("11-0", "XADD", "s", "MAXLEN", "=", "3", "11-0", "n", "11")
        yield* expectReply(3, "XLEN", "s")
        yield* expectReply([["9-0", ["n", "9"]]], "XRANGE", "s", "-", "+", "COUNT", "1")
        for (let i = 0; i < 300; i++) yield* send("XADD", "big", "MAXLEN", "~", "100", "*", "n", String(i))
        const length = yield* send("XLEN", "big")
        assert.isTrue(typeof length === "number" && length >= 100 && length <= 300, `XLEN ${String(length)}`)
        const trimmed = yield* send("XTRIM", "big", "MAXLEN", "~", "10")
        const after = yield* send("XLEN", "big")
        assert.isTrue(typeof after === "number" && after >= 10 && typeof trimmed === "number" && trimmed + after === length)
        const last = yield* send("XREVRANGE", "big", "+", "-", "COUNT", "1")
        assert.deepStrictEqual(Array.isArray(last) && Array.isArray(last[0]) ? last[0][1] : undefined, ["n", "299"])
        yield* expectReply(3, "XTRIM", "s", "MAXLEN", "0")
        yield* expectReply("stream", "TYPE", "s")
        yield* expectReply(0, "XLEN", "s")
        yield* expectError(
          "ERR The ID specified in XADD is equal or smaller than the target stream top item",
          "XADD",
          "s",
          "11-0",
          "n",
          "x"
        )
      }))

    it.effect("XREAD with COUNT over several streams; nil when nothing is new", () =>
      Effect.gen(function*() {
        yield* flush
        yield* send("XADD", "a", "1-0", "x", "1")
        yield* send("XADD", "a", "2-0", "x", "2")
        yield* send("XADD", "b", "3-0", "y", "3")
        yield* expectReply(
          [["a", [["1-0", ["x", "1"]]]], ["b", [["3-0", ["y", "3"]]]]],
          "XREAD",
          "COUNT",
          "1",
          "STREAMS",
          "a",
          "b",
          "0",
          "0"
        )
        yield* expectReply([["a", [["2-0", ["x", "2"]]]]], "XREAD", "STREAMS", "a", "b", "1-0", "3-0")
        yield* expectReply(null, "XREAD", "STREAMS", "a", "b", "2-0", "3-0")
        yield* expectReply(null, "XREAD", "STREAMS", "missing", "0")
        yield* expectReply(null, "XREAD", "STREAMS", "a", "$")
        yield* expectError("ERR Unbalanced XREAD list of streams", "XREAD", "STREAMS", "a", "b", "0")
      }))
  })
}
