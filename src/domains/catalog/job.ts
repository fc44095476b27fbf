/**
 * catalog (seed 004): validates a marketplace product CSV, given inline (`csv`) or by `input_id`,
 * against its category's rules. The result JSON carries seed 004's business metrics and context
 * beside the per-row issues, and names a CSV of the issues stored beside it.
 */
import { Clock, Effect, Schema } from "effect"
import { defineJob } from "../../runtime/JobDefinition.js"
import { JobContext } from "../../runtime/JobContext.js"
import { InputId, jsonBytes, readInputText, storeOutput, userError } from "../shared/jobIo.js"
import { throttledProgress } from "../shared/jobProgress.js"
import { exactlyOneOf, rejectUnknownFields } from "../shared/strictPayload.js"
import { CatalogPayload, decodeCatalogBytes, MAX_CATALOG_BYTES } from "./Payload.js"
import { lookupRules } from "./rules.js"
import { issuesCsvBytes, validateCatalog } from "./validate.js"

const fields = {
  ...CatalogPayload.fields,
  csv: Schema.optionalKey(CatalogPayload.fields.csv),
  input_id: Schema.optionalKey(InputId)
}

/**
 * Marketplace, category and region against the rule table: a job for an unknown one could only
 * fail, so it is refused at enqueue, at the field's path and in the words the job would use.
 */
const knownRules = Schema.makeFilter((payload: { readonly marketplace: string; readonly category: string; readonly region?: string }) => {
  const found = lookupRules(payload.marketplace, payload.category, payload.region)
  return "field" in found ? { path: [found.field], issue: found.message } : true
})

/** The domain's payload with the product CSV inline (`csv`) or in the result store (`input_id`). */
export const CatalogJobPayload = rejectUnknownFields(
  Schema.Struct(fields).check(exactlyOneOf(["csv", "input_id"]), knownRules),
  Object.keys(fields)
).annotate({ identifier: "CatalogJobPayload" })
export type CatalogJobPayload = typeof CatalogJobPayload.Type

export const catalogJob = defineJob({
  domain: "catalog",
  payload: CatalogJobPayload,
  run: ({ input_id, csv, ...target }) =>
    Effect.gen(function*() {
      const startedAt = yield* Clock.currentTimeMillis
      const ctx = yield* JobContext
      let text = csv ?? ""
      if (input_id !== undefined) {
        text = yield* readInputText(input_id, MAX_CATALOG_BYTES, decodeCatalogBytes)
        yield* ctx.publishProgress(5, `read product file ${input_id} (${Buffer.byteLength(text)} bytes)`)
      }
      const onProgress = yield* throttledProgress({ from: 10, to: 85 }, (done, total) => `validated ${done} of ${total} rows`)
      const report = yield* validateCatalog({ ...target, csv: text }, onProgress).pipe(
        Effect.catchTag("CatalogError", (error) => Effect.fail(userError(error)))
      )
      // Seed 004's row metrics go out with the attempt's telemetry (the worker adds latency).
      yield* ctx.reportMetrics({
        total_rows: report.total_rows,
        valid_rows: report.valid_rows,
        error_rows: report.error_rows,
        warning_rows: report.warning_rows,
        payload_bytes: report.payload_bytes
      })
      const issues = yield* storeOutput("issues CSV", issuesCsvBytes(report))
      // Latency covers reading, validating and the issues file: everything up to the result itself.
      const latencyMs = (yield* Clock.currentTimeMillis) - startedAt
      const stored = yield* storeOutput("catalog validation report", jsonBytes({
        context: { marketplace: report.marketplace, category: report.category, region: report.region },
        metrics: {
          total_rows: report.total_rows,
          valid_rows: report.valid_rows,
          error_rows: report.error_rows,
          warning_rows: report.warning_rows,
          payload_bytes: report.payload_bytes,
          latency_ms: latencyMs
        },
        ignored_columns: report.ignored_columns,
        issues: report.issues,
        outputs: { issues_csv: { result_id: issues.id, bytes: issues.bytes, media_type: "text/csv; charset=utf-8" } }
      }))
      yield* ctx.publishProgress(
        95,
        `${report.total_rows} rows: ${report.valid_rows} valid, ${report.error_rows} with errors, ${report.warning_rows} with warnings; issues CSV stored as ${issues.id}`
      )
      return { resultId: stored.id, resultBytes: stored.bytes }
    })
})
