/**
 * music_wrapped: a yearly listening summary from a Spotify extended streaming history, given inline
 * (`history`, the file's JSON text) or by `input_id`. The summary JSON is the result.
 */
import { Effect, Schema } from "effect"
import { defineJob } from "../../runtime/JobDefinition.js"
import { JobContext } from "../../runtime/JobContext.js"
import { InputId, jsonBytes, readInputText, storeOutput, userError } from "../shared/jobIo.js"
import { throttledProgress } from "../shared/jobProgress.js"
import { exactlyOneOf, rejectUnknownFields } from "../shared/strictPayload.js"
import { decodeHistoryBytes, MAX_HISTORY_BYTES, MusicWrappedPayload } from "./Payload.js"
import { musicWrapped } from "./wrapped.js"

const fields = {
  ...MusicWrappedPayload.fields,
  history: Schema.optionalKey(MusicWrappedPayload.fields.history),
  input_id: Schema.optionalKey(InputId)
}

/** The domain's payload with the history inline (`history`) or in the result store (`input_id`). */
export const MusicWrappedJobPayload = rejectUnknownFields(
  Schema.Struct(fields).check(exactlyOneOf(["history", "input_id"])),
  Object.keys(fields)
).annotate({ identifier: "MusicWrappedJobPayload" })
export type MusicWrappedJobPayload = typeof MusicWrappedJobPayload.Type

export const musicWrappedJob = defineJob({
  domain: "music_wrapped",
  payload: MusicWrappedJobPayload,
  run: ({ input_id, history, ...options }) =>
    Effect.gen(function*() {
      const ctx = yield* JobContext
      let text = history ?? ""
      if (input_id !== undefined) {
        text = yield* readInputText(input_id, MAX_HISTORY_BYTES, decodeHistoryBytes)
        yield* ctx.publishProgress(5, `read streaming history ${input_id} (${Buffer.byteLength(text)} bytes)`)
      }
      const onProgress = yield* throttledProgress({ from: 10, to: 90 }, (done, total) => `counted ${done} of ${total} streams`)
      const wrapped = yield* musicWrapped({ ...options, history: text }, onProgress).pipe(
        Effect.catchTag("MusicWrappedError", (error) => Effect.fail(userError(error)))
      )
      const stored = yield* storeOutput("listening summary", jsonBytes(wrapped))
      const topArtist = wrapped.topArtists[0]
      yield* ctx.publishProgress(
        95,
        `${wrapped.year}: ${wrapped.streams} streams, ${wrapped.totalMinutes} minutes` +
          (topArtist === undefined ? "" : `, top artist ${topArtist.name}`)
      )
      return { resultId: stored.id, resultBytes: stored.bytes }
    })
})
