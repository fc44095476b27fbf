/**
 * transcript: turns a WebVTT or SRT caption file, given inline (`text`) or by `input_id`, into
 * timestamped paragraphs. Stores the plain-text transcript and a JSON transcript that names the
 * text by id; the JSON is the result.
 */
import { Effect, Schema } from "effect"
import { defineJob } from "../../runtime/JobDefinition.js"
import { JobContext } from "../../runtime/JobContext.js"
import { InputId, jsonBytes, readInputText, storeOutput, userError } from "../shared/jobIo.js"
import { throttledProgress } from "../shared/jobProgress.js"
import { exactlyOneOf, rejectUnknownFields } from "../shared/strictPayload.js"
import { MAX_CAPTION_BYTES, TranscriptPayload } from "./Payload.js"
import { buildTranscript, decodeCaptionBytes, transcriptTextBytes } from "./transcript.js"

const fields = {
  ...TranscriptPayload.fields,
  text: Schema.optionalKey(TranscriptPayload.fields.text),
  input_id: Schema.optionalKey(InputId)
}

/** The domain's payload with the caption file inline (`text`) or in the result store (`input_id`). */
export const TranscriptJobPayload = rejectUnknownFields(
  Schema.Struct(fields).check(exactlyOneOf(["text", "input_id"])),
  Object.keys(fields)
).annotate({ identifier: "TranscriptJobPayload" })
export type TranscriptJobPayload = typeof TranscriptJobPayload.Type

export const transcriptJob = defineJob({
  domain: "transcript",
  payload: TranscriptJobPayload,
  run: ({ input_id, text, ...options }) =>
    Effect.gen(function*() {
      const ctx = yield* JobContext
      let captions = text ?? ""
      if (input_id !== undefined) {
        captions = yield* readInputText(input_id, MAX_CAPTION_BYTES, decodeCaptionBytes)
        yield* ctx.publishProgress(5, `read caption file ${input_id} (${Buffer.byteLength(captions)} bytes)`)
      }
      const onProgress = yield* throttledProgress({ from: 10, to: 85 }, (done, total) => `merged ${done} of ${total} cues`)
      const result = yield* buildTranscript({ ...options, text: captions }, onProgress).pipe(
        Effect.catchTag("TranscriptError", (error) => Effect.fail(userError(error)))
      )
      const plain = yield* storeOutput("plain-text transcript", transcriptTextBytes(result))
      const stored = yield* storeOutput("transcript JSON", jsonBytes({
        ...result,
        outputs: { text: { result_id: plain.id, bytes: plain.bytes, media_type: "text/plain; charset=utf-8" } }
      }))
      yield* ctx.publishProgress(
        95,
        `${result.paragraphs.length} paragraphs from ${result.cues} ${result.format} cues (${result.duplicateLines} repeated lines dropped); text stored as ${plain.id}`
      )
      return { resultId: stored.id, resultBytes: stored.bytes }
    })
})
