/**
 * turkic: normalises, optionally transliterates and lowercases, and tokenises a corpus given inline
 * (`text` or `lines`) or by `input_id`. Stores the processed corpus (text, one line per input line)
 * and a JSON report with token and type counts that names the corpus by id; the report is the result.
 */
import { Effect, Schema } from "effect"
import { defineJob } from "../../runtime/JobDefinition.js"
import { JobContext } from "../../runtime/JobContext.js"
import { InputId, jsonBytes, readInputText, storeOutput, userError } from "../shared/jobIo.js"
import { throttledProgress } from "../shared/jobProgress.js"
import { exactlyOneOf, rejectUnknownFields } from "../shared/strictPayload.js"
import { corpusText, decodeCorpusBytes, processCorpus } from "./corpus.js"
import { MAX_CORPUS_BYTES, TurkicPayload } from "./Payload.js"

const fields = { ...TurkicPayload.fields, input_id: Schema.optionalKey(InputId) }

/** The domain's payload fields plus `input_id`; exactly one of `text`, `lines`, `input_id`. */
export const TurkicJobPayload = rejectUnknownFields(
  Schema.Struct(fields).check(exactlyOneOf(["text", "lines", "input_id"])),
  Object.keys(fields)
).annotate({ identifier: "TurkicJobPayload" })
export type TurkicJobPayload = typeof TurkicJobPayload.Type

export const turkicJob = defineJob({
  domain: "turkic",
  payload: TurkicJobPayload,
  run: ({ input_id, ...payload }) =>
    Effect.gen(function*() {
      const ctx = yield* JobContext
      let corpusPayload: TurkicPayload = payload
      if (input_id !== undefined) {
        const text = yield* readInputText(input_id, MAX_CORPUS_BYTES, decodeCorpusBytes)
        yield* ctx.publishProgress(5, `read input ${input_id} (${Buffer.byteLength(text)} bytes)`)
        corpusPayload = { ...payload, text }
      }
      const onProgress = yield* throttledProgress({ from: 5, to: 85 }, (done, total) => `processed ${done} of ${total} lines`)
      const result = yield* processCorpus(corpusPayload, onProgress).pipe(
        Effect.catchTag("TurkicError", (error) => Effect.fail(userError(error)))
      )
      const corpus = yield* storeOutput("processed corpus", corpusText(result))
      const report = {
        lang: result.lang,
        transliterate: result.transliterate,
        lowercase: result.lowercase,
        lines: result.lines,
        tokens: result.tokens,
        words: result.words,
        numbers: result.numbers,
        punctuation: result.punctuation,
        types: result.types,
        top: result.top,
        outputs: { corpus: { result_id: corpus.id, bytes: corpus.bytes, media_type: "text/plain; charset=utf-8" } }
      }
      const stored = yield* storeOutput("corpus report", jsonBytes(report))
      yield* ctx.publishProgress(
        95,
        `${result.tokens} tokens, ${result.types} types; processed corpus stored as ${corpus.id} (${corpus.bytes} bytes)`
      )
      return { resultId: stored.id, resultBytes: stored.bytes }
    })
})
