/** Reading a claimed job's stored payload: pure helpers of the Worker. */
import { Result, Schema } from "effect"

/**
 * Decodes a stored payload with the job's schema: JSON.parse and then the schema, which costs a
 * quarter of decoding the text through a JSON-string schema.
 */
export const makePayloadDecoder = <P>(schema: Schema.Codec<P, unknown>) => {
  const decode = Schema.decodeUnknownResult(schema)
  return (text: string): Result.Result<P, string> => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      return Result.fail(`not JSON (${error instanceof Error ? error.message : String(error)})`)
    }
    const decoded = decode(value)
    return decoded._tag === "Success" ? Result.succeed(decoded.success) : Result.fail(decoded.failure.message)
  }
}

/** The user error a payload the schema refused fails its job with: one line, naming the field. */
export const invalidPayloadMessage = (failure: string): string => `invalid payload: ${failure.replace(/\s*\n\s*/g, " ")}`
