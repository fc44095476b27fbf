import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { readFileSync } from "node:fs"
import { makeLocalTime } from "../../src/domains/music_wrapped/localTime.js"
import { decodeHistoryBytes, decodeMusicWrappedPayload, MAX_HISTORY_BYTES, MusicWrappedPayload } from "../../src/domains/music_wrapped/Payload.js"
import { longestStreak, musicWrapped, wrappedJsonBytes } from "../../src/domains/music_wrapped/wrapped.js"

const history = readFileSync(new URL("../fixtures/music_wrapped/Streaming_History_Audio_2024.json", import.meta.url), "utf8")

const wrappedOf = (payload: unknown) => Effect.flatMap(decodeMusicWrappedPayload(payload), (p) => musicWrapped(p))
const failureOf = (payload: unknown) =>
  Effect.map(Effect.flip(wrappedOf(payload)), (e) => ({ reason: e.reason, index: e.index, field: e.field, message: e.message }))

const hours = (entries: ReadonlyArray<readonly [number, number]>) => {
  const out = Array.from({ length: 24 }, () => 0)
  for (const [hour, value] of entries) out[hour] = value
  return out
}

describe("music_wrapped: the 2024 fixture in Europe/Berlin", () => {
  it.effect("totals, plays, days and the longest streak", () =>
    Effect.gen(function*() {
      const payload = yield* decodeMusicWrappedPayload({ history, year: 2024, timezone: "Europe/Berlin" })
      const seen: Array<number> = []
      const w = yield* musicWrapped(payload, (done) => Effect.sync(() => seen.push(done)))
      assert.strictEqual(seen.at(-1), 12)
      // 12 entries: one 2023 stream, one that ends 2025-01-01 00:10 in Berlin are out; 2023-12-31T23:30Z is in
      assert.strictEqual(w.streams, 10)
      assert.strictEqual(w.totalMinutes, 52.5)
      assert.strictEqual(w.musicMinutes, 22.5)
      assert.strictEqual(w.podcastMinutes, 30)
      assert.strictEqual(w.plays, 7)
      assert.strictEqual(w.skipped, 1)
      assert.strictEqual(w.listeningDays, 8)
      assert.deepStrictEqual(w.longestStreak, { days: 4, start: "2024-07-14", end: "2024-07-17" })
      assert.deepStrictEqual(w.distinct, { artists: 3, tracks: 4, albums: 3, shows: 1, episodes: 1 })
    }))

  it.effect("top artists, tracks and albums by time played, with play counts", () =>
    Effect.gen(function*() {
      const w = yield* wrappedOf({ history, year: 2024, timezone: "Europe/Berlin" })
      assert.deepStrictEqual(w.topArtists.map((r) => [r.name, r.msPlayed, r.minutes, r.plays]), [
        ["Aurora Fields", 640000, 10.67, 3], ["Bruno Mars Hill", 500000, 8.33, 2], ["Cecile Ö", 210000, 3.5, 2]
      ])
      assert.deepStrictEqual(w.topTracks.map((r) => [r.name, r.artist, r.msPlayed, r.plays]), [
        ["Hill Song", "Bruno Mars Hill", 500000, 2], ["Northern Lights", "Aurora Fields", 400000, 2],
        ["Snowfall", "Aurora Fields", 240000, 1], ["Été", "Cecile Ö", 210000, 2]
      ])
      assert.deepStrictEqual(w.topAlbums.map((r) => [r.name, r.msPlayed]), [["Polar Nights", 640000], ["Uphill", 500000], ["Soleil", 210000]])
      const two = yield* wrappedOf({ history, year: 2024, timezone: "Europe/Berlin", top: 2 })
      assert.deepStrictEqual(two.topTracks.map((r) => r.name), ["Hill Song", "Northern Lights"])
    }))

  it.effect("minutes by local hour (CET in winter, CEST in summer) and by month", () =>
    Effect.gen(function*() {
      const w = yield* wrappedOf({ history, year: 2024, timezone: "Europe/Berlin" })
      assert.deepStrictEqual(w.minutesByHour, hours([[0, 4], [8, 2.5], [9, 3.33], [11, 4], [13, 30], [20, 5], [21, 0.17], [23, 3.5]]))
      assert.deepStrictEqual(w.minutesByMonth, [40.5, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0])
      assert.strictEqual(JSON.parse(new TextDecoder().decode(wrappedJsonBytes(w))).streams, 10)
    }))

  it.effect("in UTC the year boundary and the streaks move", () =>
    Effect.gen(function*() {
      const w = yield* wrappedOf({ history, year: 2024 })
      assert.strictEqual(w.timezone, "UTC")
      assert.strictEqual(w.streams, 10)
      assert.strictEqual(w.totalMinutes, 52.83)
      assert.deepStrictEqual(w.longestStreak, { days: 3, start: "2024-01-01", end: "2024-01-03" })
    }))

  it.effect("a failing progress reporter stops the summary with its own error", () =>
    Effect.gen(function*() {
      const payload = yield* decodeMusicWrappedPayload({ history, year: 2024 })
      let calls = 0
      const error = yield* Effect.flip(musicWrapped(payload, () => (++calls === 2 ? Effect.fail("lease lost" as const) : Effect.void)))
      assert.strictEqual(error, "lease lost")
      assert.strictEqual(calls, 2)
    }))

  it.effect("a year with no streams gives zeros, not an error", () =>
    Effect.gen(function*() {
      const w = yield* wrappedOf({ history, year: 2019 })
      assert.deepStrictEqual([w.streams, w.totalMinutes, w.topArtists.length, w.longestStreak.days], [0, 0, 0, 0])
    }))
})

describe("music_wrapped: helpers", () => {
  it("local time follows daylight saving and quarter-hour offsets", () => {
    const berlin = makeLocalTime("Europe/Berlin")
    assert.deepStrictEqual(berlin(Date.parse("2024-03-31T00:59:00Z")), { year: 2024, month: 3, day: 31, hour: 1, date: "2024-03-31" })
    assert.strictEqual(berlin(Date.parse("2024-03-31T01:00:00Z")).hour, 3)
    const kathmandu = makeLocalTime("Asia/Kathmandu")
    assert.strictEqual(kathmandu(Date.parse("2024-01-01T18:14:00Z")).hour, 23)
    assert.strictEqual(kathmandu(Date.parse("2024-01-01T18:15:00Z")).date, "2024-01-02")
  })

  it("longest streak crosses month ends and takes the earliest on ties", () => {
    assert.deepStrictEqual(longestStreak(new Set(["2024-03-01", "2024-02-28", "2024-02-29", "2024-05-01"])), { days: 3, start: "2024-02-28", end: "2024-03-01" })
    assert.deepStrictEqual(longestStreak(new Set(["2024-01-05", "2024-01-01"])), { days: 1, start: "2024-01-01", end: "2024-01-01" })
    assert.deepStrictEqual(longestStreak(new Set()), { days: 0, start: null, end: null })
  })
})

describe("music_wrapped: bad input", () => {
  it.effect("invalid JSON", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ history: '[{"ts": "2024-01-01T00:00:00Z",', year: 2024 })
      assert.strictEqual(error.reason, "InvalidJson")
      assert.match(error.message, /^invalid JSON: /)
    }))

  it.effect("not an array, and entries of the wrong shape name the index and field", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failureOf({ history: '{"ts": 1}', year: 2024 })).message, "expected a JSON array of streams, found object")
      const ok = '{"ts": "2024-01-01T00:00:00Z", "ms_played": 1000}'
      const ms = yield* failureOf({ history: `[${ok}, {"ts": "2024-01-01T00:00:00Z", "ms_played": "90"}]`, year: 2024 })
      assert.deepStrictEqual([ms.reason, ms.index, ms.field, ms.message], ["InvalidShape", 1, "ms_played", 'entry 1, field ms_played: expected a non-negative integer, found "90"'])
      const ts = yield* failureOf({ history: `[${ok}, ${ok}, {"ts": "yesterday", "ms_played": 5}]`, year: 2024 })
      assert.deepStrictEqual([ts.index, ts.field], [2, "ts"])
      const name = yield* failureOf({ history: `[{"ts": "2024-01-01T00:00:00Z", "ms_played": 5, "master_metadata_track_name": 7}]`, year: 2024 })
      assert.deepStrictEqual([name.index, name.field], [0, "master_metadata_track_name"])
      const entry = yield* failureOf({ history: `[${ok}, 42]`, year: 2024 })
      assert.strictEqual(entry.message, "entry 1: expected an object, found number")
    }))

  it.effect("payload: unknown time zone, out-of-range year, missing history", () =>
    Effect.gen(function*() {
      const zone = yield* failureOf({ history: "[]", year: 2024, timezone: "Mars/Olympus" })
      assert.deepStrictEqual([zone.reason, zone.message], ["InvalidPayload", 'invalid music_wrapped payload: unknown time zone "Mars/Olympus" (expected an IANA name such as Europe/Berlin) at ["timezone"]'])
      // the bare schema, as the runtime decodes stored payloads, checks the zone too
      const bare = yield* Effect.flip(Schema.decodeUnknownEffect(MusicWrappedPayload)({ history: "[]", year: 2024, timezone: "Mars/Olympus" }))
      assert.include(bare.message, 'unknown time zone "Mars/Olympus"')
      assert.include((yield* failureOf({ history: "[]", year: 1999 })).message, '["year"]')
      assert.include((yield* failureOf({ year: 2024 })).message, '["history"]')
    }))

  it.effect("oversize history and invalid UTF-8", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failureOf({ history: " ".repeat(MAX_HISTORY_BYTES + 1), year: 2024 })).reason, "OversizeInput")
      assert.strictEqual((yield* Effect.flip(decodeHistoryBytes(new Uint8Array(MAX_HISTORY_BYTES + 1)))).reason, "OversizeInput")
      const bad = yield* Effect.flip(decodeHistoryBytes(new Uint8Array([0x5b, 0xc3, 0x28, 0x5d])))
      assert.deepStrictEqual([bad.reason, bad.message], ["InvalidEncoding", "unknown encoding: the history file is not valid UTF-8"])
      assert.strictEqual(yield* decodeHistoryBytes(new TextEncoder().encode("[]")), "[]")
    }))
})
