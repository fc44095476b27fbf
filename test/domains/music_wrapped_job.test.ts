/** The music_wrapped job end to end on the real worker and a real redis-server: fixture, input ids, bad inputs. */
import { readFileSync } from "node:fs"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { musicWrappedJob, MusicWrappedJobPayload } from "../../src/domains/music_wrapped/job.js"
import { decodeMusicWrappedPayload, MAX_HISTORY_BYTES } from "../../src/domains/music_wrapped/Payload.js"
import {
  awaitFinished,
  decodeJson,
  domainJobLayer,
  enqueue,
  jobEvents,
  progressMessages,
  putInput,
  putText,
  readResult,
  startDomainWorker
} from "../support/DomainJobHarness.js"

const history = readFileSync(new URL("../fixtures/music_wrapped/Streaming_History_Audio_2024.json", import.meta.url), "utf8")

const Ranked = Schema.Struct({ name: Schema.String, minutes: Schema.Number, plays: Schema.Number })
const Wrapped = Schema.Struct({
  year: Schema.Number,
  timezone: Schema.String,
  streams: Schema.Number,
  totalMinutes: Schema.Number,
  musicMinutes: Schema.Number,
  podcastMinutes: Schema.Number,
  plays: Schema.Number,
  listeningDays: Schema.Number,
  longestStreak: Schema.Struct({ days: Schema.Number, start: Schema.NullOr(Schema.String), end: Schema.NullOr(Schema.String) }),
  topArtists: Schema.Array(Ranked),
  topTracks: Schema.Array(Ranked),
  minutesByHour: Schema.Array(Schema.Number),
  minutesByMonth: Schema.Array(Schema.Number)
})

const runJob = (payload: unknown) =>
  Effect.gen(function*() {
    const jobId = yield* enqueue("music_wrapped", payload)
    return { jobId, record: yield* awaitFinished("music_wrapped", jobId) }
  })

describe("music_wrapped job payload", () => {
  it.effect("rejects every payload the domain's strict decoder rejects", () =>
    Effect.gen(function*() {
      const rejected: ReadonlyArray<object> = [
        { history: "[]" },
        { history: "[]", year: 1999 },
        { history: "[]", year: 2024, timezone: "Mars/Olympus" },
        { history: "[]", year: 2024, top: 0 },
        { history: "[]", year: 2024.5 },
        { history: "[]", year: 2024, user: "me" }
      ]
      for (const payload of rejected) {
        assert.strictEqual((yield* Effect.result(decodeMusicWrappedPayload(payload)))._tag, "Failure", JSON.stringify(payload))
        assert.strictEqual((yield* Effect.result(Schema.decodeUnknownEffect(MusicWrappedJobPayload)(payload)))._tag, "Failure", JSON.stringify(payload))
      }
    }))
})

// The store holds one object above the 64 MiB history limit for the oversize case.
layer(domainJobLayer(MAX_HISTORY_BYTES + 1024), { excludeTestServices: true, timeout: "60 seconds" })("music_wrapped job on redis-server", (withRedis) => {
  withRedis.effect("the 2024 fixture in UTC: minutes, plays, tops, streak and months", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(musicWrappedJob)
      const { jobId, record } = yield* runJob({ history, year: 2024, top: 3 })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const wrapped = yield* decodeJson(Wrapped, yield* readResult(record))
      // 12 entries: one ends in 2023 (UTC) and one in 2025, so 10 streams count for 2024.
      assert.deepStrictEqual(
        [wrapped.streams, wrapped.totalMinutes, wrapped.musicMinutes, wrapped.podcastMinutes, wrapped.plays, wrapped.listeningDays],
        [10, 52.83, 22.83, 30, 7, 8]
      )
      assert.deepStrictEqual(wrapped.longestStreak, { days: 3, start: "2024-01-01", end: "2024-01-03" })
      assert.deepStrictEqual(wrapped.topArtists.map((a) => [a.name, a.minutes, a.plays]), [["Aurora Fields", 11, 3], ["Bruno Mars Hill", 8.33, 2], ["Cecile Ö", 3.5, 2]])
      assert.strictEqual(wrapped.topTracks[0]?.name, "Hill Song")
      assert.deepStrictEqual(wrapped.minutesByMonth, [37.5, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 3.33])
      const messages = progressMessages(yield* jobEvents("music_wrapped", jobId))
      assert.include(messages, "counted 12 of 12 streams")
      assert.include(messages, "2024: 10 streams, 52.83 minutes, top artist Aurora Fields")
    }))

  withRedis.effect("reads the history by input_id and buckets hours in the requested time zone", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(musicWrappedJob)
      const input = yield* putText(history)
      const { record } = yield* runJob({ input_id: input.id, year: 2024, timezone: "America/New_York" })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const wrapped = yield* decodeJson(Wrapped, yield* readResult(record))
      assert.strictEqual(wrapped.timezone, "America/New_York")
      // The 30-minute podcast ended at 12:xx UTC, 07:xx in New York.
      assert.strictEqual(wrapped.minutesByHour[12], 0)
      assert.strictEqual(wrapped.minutesByHour[7], 30)
      assert.strictEqual(wrapped.minutesByHour.reduce((a, b) => a + b, 0).toFixed(2), "52.83")
    }))

  withRedis.effect("bad inputs fail as user errors naming the entry; the worker keeps going", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(musicWrappedJob)
      const utf16 = yield* putInput(new Uint8Array([0xff, 0xfe, 0x5b, 0x00, 0x5d, 0x00]))
      const oversize = yield* putInput(new Uint8Array(MAX_HISTORY_BYTES + 1).fill(0x20))
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ history: "[{", year: 2024 }, "invalid JSON"],
        [{ history: `[{"ts": "x", "ms_played": 1}]`, year: 2024 }, `entry 0, field ts: expected an ISO timestamp`],
        [{ history: `{"streams": []}`, year: 2024 }, "expected a JSON array of streams, found object"],
        [{ history: "[]", year: 2024, timezone: "Mars/Olympus" }, `unknown time zone "Mars/Olympus"`],
        [{ input_id: utf16.id, year: 2024 }, "unknown encoding: the history file is not valid UTF-8"],
        [{ input_id: oversize.id, year: 2024 }, `is ${MAX_HISTORY_BYTES + 1} bytes, the limit is ${MAX_HISTORY_BYTES} bytes`]
      ]
      for (const [payload, message] of cases) {
        const { jobId, record } = yield* runJob(payload)
        assert.strictEqual(record.status.status, "failed")
        assert.strictEqual(record.errorKind, "user")
        assert.include(record.lastError ?? "", message)
        assert.strictEqual((yield* jobEvents("music_wrapped", jobId)).at(-1)?.type, "music_wrapped.job.failed.v1")
      }
      const { record } = yield* runJob({ history, year: 2024 })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
    }))
})
