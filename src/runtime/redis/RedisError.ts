import { Schema } from "effect"

export class RedisError extends Schema.TaggedError<RedisError>()("RedisError", {
  op: Schema.String,
  message: Schema.String
}) {
  static fromCause(op: string, cause: unknown): RedisError {
    const text = cause instanceof Error ? cause.message : String(cause)
    return new RedisError({ op, message: `redis ${op} failed: ${text}` })
  }
}
