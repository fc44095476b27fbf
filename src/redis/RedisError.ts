import { Schema } from "effect"

export class RedisError extends Schema.TaggedError<RedisError>()("RedisError", {
  op: Schema.String,
  message: Schema.String
}) {
  static fromCause(op: string, cause: unknown): RedisError {
    const text = cause instanceof Error ? cause.message : String(cause)
    return new RedisError({ op, message: `redis ${op} failed: ${text}` })
  }

  /** A reply whose shape a script's caller does not expect (a bug or a foreign script), quoted in part. */
  static unexpectedReply(op: string, reply: unknown): RedisError {
    return new RedisError({ op, message: `redis ${op} returned an unexpected reply: ${JSON.stringify(reply)?.slice(0, 200)}` })
  }
}
