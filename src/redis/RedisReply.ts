/**
 * The shape of a Redis reply as both layers return it: bulk/status strings, integers,
 * nil, and arrays of those. Errors never appear here; they travel as `RedisError`.
 */
export type RedisReply = string | number | null | ReadonlyArray<RedisReply>

/** True when the value already has the reply shape (the usual case), so it is used without a copy. */
const isPlainReply = (value: unknown): value is RedisReply => {
  if (value === null || typeof value === "string" || typeof value === "number") return true
  if (!Array.isArray(value)) return false
  for (const item of value) {
    if (!isPlainReply(item)) return false
  }
  return true
}

/** Narrows a client's untyped reply to `RedisReply`; anything else (a Buffer, an object) is reported. */
export const toRedisReply = (value: unknown): RedisReply | undefined => {
  if (isPlainReply(value)) return value
  if (value instanceof Uint8Array) return new TextDecoder().decode(value)
  if (Array.isArray(value)) {
    const out: Array<RedisReply> = []
    for (const item of value) {
      const reply = toRedisReply(item)
      if (reply === undefined) return undefined
      out.push(reply)
    }
    return out
  }
  return undefined
}

export const replyString = (reply: RedisReply): string | undefined => (typeof reply === "string" ? reply : undefined)

export const replyNumber = (reply: RedisReply): number | undefined => {
  if (typeof reply === "number") return reply
  if (typeof reply === "string" && /^-?\d+(\.\d+)?$/.test(reply)) return Number(reply)
  return undefined
}

export const replyArray = (reply: RedisReply): ReadonlyArray<RedisReply> | undefined =>
  Array.isArray(reply) ? reply : undefined

/** HGETALL / flat field-value arrays to a record. */
export const replyRecord = (reply: RedisReply): Record<string, string> | undefined => {
  if (!Array.isArray(reply) || reply.length % 2 !== 0) return undefined
  const out: Record<string, string> = {}
  for (let i = 0; i < reply.length; i += 2) {
    const field = reply[i]
    const value = reply[i + 1]
    if (typeof field !== "string" || typeof value !== "string") return undefined
    out[field] = value
  }
  return out
}
