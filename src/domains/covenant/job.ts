/**
 * covenant: tests each deal-quarter of a financials CSV, given inline (`csv`) or by `input_id`,
 * against its leverage, interest coverage and current ratio covenants. Stores the report as CSV
 * and as JSON; the JSON names the CSV by id and is the result.
 */
import { Effect, Schema } from "effect"
import { defineJob } from "../../runtime/JobDefinition.js"
import { JobContext } from "../../runtime/JobContext.js"
import { InputId, jsonBytes, readInputText, storeOutput, userError } from "../shared/jobIo.js"
import { throttledProgress } from "../shared/jobProgress.js"
import { exactlyOneOf, rejectUnknownFields } from "../shared/strictPayload.js"
import { CovenantPayload, decodeCovenantCsvBytes, MAX_CSV_BYTES } from "./Payload.js"
import { covenantCsvBytes, monitorCovenants } from "./report.js"

const fields = {
  ...CovenantPayload.fields,
  csv: Schema.optionalKey(CovenantPayload.fields.csv),
  input_id: Schema.optionalKey(InputId)
}

/** The domain's payload with the CSV inline (`csv`) or in the result store (`input_id`). */
export const CovenantJobPayload = rejectUnknownFields(
  Schema.Struct(fields).check(exactlyOneOf(["csv", "input_id"])),
  Object.keys(fields)
).annotate({ identifier: "CovenantJobPayload" })
export type CovenantJobPayload = typeof CovenantJobPayload.Type

export const covenantJob = defineJob({
  domain: "covenant",
  payload: CovenantJobPayload,
  run: ({ input_id, csv, ...options }) =>
    Effect.gen(function*() {
      const ctx = yield* JobContext
      let text = csv ?? ""
      if (input_id !== undefined) {
        text = yield* readInputText(input_id, MAX_CSV_BYTES, decodeCovenantCsvBytes)
        yield* ctx.publishProgress(5, `read financials ${input_id} (${Buffer.byteLength(text)} bytes)`)
      }
      const onProgress = yield* throttledProgress({ from: 10, to: 85 }, (done, total) => `tested ${done} of ${total} deal-quarters`)
      const report = yield* monitorCovenants({ ...options, csv: text }, onProgress).pipe(
        Effect.catchTag("CovenantError", (error) => Effect.fail(userError(error)))
      )
      const table = yield* storeOutput("covenant report CSV", covenantCsvBytes(report))
      const stored = yield* storeOutput("covenant report", jsonBytes({
        ...report,
        outputs: { csv: { result_id: table.id, bytes: table.bytes, media_type: "text/csv; charset=utf-8" } }
      }))
      yield* ctx.publishProgress(
        95,
        `${report.breach} breach, ${report.nearBreach} near breach, ${report.pass} pass across ${report.deals} deals; CSV stored as ${table.id}`
      )
      return { resultId: stored.id, resultBytes: stored.bytes }
    })
})
