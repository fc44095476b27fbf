/**
 * databank: uploads (inline base64 or an object already in the store) and verified downloads
 * through the result store, checked against the declared sha256 and size while the bytes stream;
 * progress is reported in bytes. The result is the object itself: its id is its sha256.
 */
import { Effect, Schema } from "effect"
import { defineJob } from "../../runtime/JobDefinition.js"
import { JobSystemError, JobUserError } from "../../runtime/JobErrors.js"
import { oneOf, rejectUnknownFields } from "../shared/strictPayload.js"
import { throttledProgress } from "../shared/jobProgress.js"
import { type DatabankError, databankErrorKind } from "./errors.js"
import { DatabankPayload, DownloadPayload, UploadPayload } from "./Payload.js"
import { runDatabankJob } from "./program.js"

const uploadKeys = Object.keys(UploadPayload.fields)
const downloadKeys = Object.keys(DownloadPayload.fields)

const decodeOp = Schema.decodeUnknownResult(Schema.Struct({ op: oneOf(["upload", "download"], "op") }))

/**
 * `op` on its own, before the union: when no member matches, the union can only say so for the
 * whole object, while this names the field and the value (`unknown op "delete" ... at ["op"]`).
 */
const opIsKnown = Schema.makeFilter((input: { readonly [key: string]: unknown }) => {
  const decoded = decodeOp(input)
  return decoded._tag === "Success" || decoded.failure.issue
})

/**
 * The domain's payload, closed to unknown fields per `op`, with the rule `decodeDatabankPayload`
 * adds: an upload names exactly one source.
 */
export const DatabankJobPayload = rejectUnknownFields(
  Schema.Record(Schema.String, Schema.Unknown).check(opIsKnown).pipe(Schema.decodeTo(
    DatabankPayload.check(
      Schema.makeFilter((payload: DatabankPayload) =>
        payload.op !== "upload" || (payload.data_base64 === undefined) !== (payload.result_id === undefined) ||
        `an upload needs exactly one of "data_base64" or "result_id"`
      )
    )
  )),
  (input) => input["op"] === "upload" ? uploadKeys : input["op"] === "download" ? downloadKeys : [...new Set([...uploadKeys, ...downloadKeys])]
).annotate({ identifier: "DatabankJobPayload" })

const codes: Record<DatabankError["_tag"], string> = {
  DatabankPayloadError: "INVALID_PAYLOAD",
  DatabankSizeMismatch: "SIZE_MISMATCH",
  DatabankDigestMismatch: "DIGEST_MISMATCH",
  InvalidResultId: "INVALID_RESULT_ID",
  ResultCorrupt: "RESULT_CORRUPT",
  ResultNotFound: "RESULT_NOT_FOUND",
  ResultTooLarge: "RESULT_TOO_LARGE",
  ResultStoreError: "RESULT_STORE_ERROR"
}

const toJobError = (error: DatabankError): JobUserError | JobSystemError =>
  databankErrorKind(error) === "user"
    ? new JobUserError({ message: error.message, code: codes[error._tag] })
    : new JobSystemError({ message: error.message })

const fail = (error: DatabankError) => Effect.fail(toJobError(error))

export const databankJob = defineJob({
  domain: "databank",
  payload: DatabankJobPayload,
  run: (payload) =>
    Effect.gen(function*() {
      const verb = payload.op === "upload" ? "uploaded" : "verified"
      const onProgress = yield* throttledProgress({ from: 0, to: 95 }, (done, total) => `${verb} ${done} of ${total} bytes`)
      const stored = yield* runDatabankJob(payload, onProgress).pipe(
        Effect.catchTags({
          DatabankPayloadError: fail,
          DatabankSizeMismatch: fail,
          DatabankDigestMismatch: fail,
          InvalidResultId: fail,
          ResultCorrupt: fail,
          ResultNotFound: fail,
          ResultTooLarge: fail,
          ResultStoreError: fail
        })
      )
      return { resultId: stored.id, resultBytes: stored.bytes }
    })
})
