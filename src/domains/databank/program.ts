/**
 * One databank job from a decoded payload to the object it concerns, ready for a completed event
 * (`result_id`, `result_bytes`): an upload stores and verifies its bytes; a download reads the
 * stored object end to end and verifies it.
 */
import { Effect, Stream } from "effect"
import type { ResultStore, StoredResult } from "../../runtime/ResultStore.js"
import type { DatabankError } from "./errors.js"
import type { DatabankPayload } from "./Payload.js"
import { download, upload } from "./transfer.js"
import type { OnProgress } from "./verify.js"

export const runDatabankJob = <EP = never, RP = never>(
  payload: DatabankPayload,
  onProgress: OnProgress<EP, RP>
): Effect.Effect<StoredResult, DatabankError | EP, ResultStore | RP> =>
  payload.op === "upload"
    ? upload(payload, onProgress)
    : download(payload, onProgress).pipe(
      Stream.runFold(() => 0, (bytes, chunk) => bytes + chunk.length),
      Effect.map((bytes) => ({ id: payload.result_id, bytes }))
    )
