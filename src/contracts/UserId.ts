/**
 * `user_id`: seed 000 types it a Python `int`, and real ids (Discord snowflakes, about 1.2e18) pass
 * 2^53, past which a JavaScript number cannot hold every integer. So in TypeScript a user id is a
 * `bigint` in the signed 64-bit range, everywhere; on the wire it stays a JSON integer (see
 * WireJson.ts, which reads and writes its digits without going through a double), in Redis hashes
 * and in Lua it is its decimal text.
 */
import { Schema } from "effect"

export type UserId = bigint

export const minUserId: UserId = -(2n ** 63n)
export const maxUserId: UserId = 2n ** 63n - 1n

export const isUserIdInRange = (value: bigint): boolean => value >= minUserId && value <= maxUserId

export const userIdRangeText = `${minUserId}..${maxUserId}`

// 20 digits at most (with leading zeros allowed, as Python's int() allows them) keeps BigInt() cheap.
const decimalText = /^-?\d{1,20}$/

/** The user id a decimal text names (`-?digits`, no spaces), or undefined when it is not one or out of range. */
export const parseUserId = (text: string): UserId | undefined => {
  if (!decimalText.test(text)) return undefined
  const value = BigInt(text)
  return isUserIdInRange(value) ? value : undefined
}

/** Schema of a user id: a bigint in the signed 64-bit range. */
export const UserId = Schema.BigInt.annotate({ message: "Expected an integer user_id" }).check(
  Schema.makeFilter<bigint>(
    (value) => isUserIdInRange(value) || `Expected a user_id in the signed 64-bit range ${userIdRangeText}`
  )
)
