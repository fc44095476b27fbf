/** Result ids: the lowercase hex sha256 of an object's bytes, so equal bytes share one id. */
import { createHash } from "node:crypto"
import { Effect, Schema } from "effect"
import { InvalidResultId } from "./errors.js"

/** 64 lowercase hex characters, the only form of a sha256 digest the store accepts. */
export const sha256HexPattern = /^[0-9a-f]{64}$/

/** A sha256 digest written as 64 lowercase hex characters. */
export const Sha256Hex = Schema.String.check(
  Schema.isPattern(sha256HexPattern, { message: "Expected a sha256 digest: 64 lowercase hex characters" })
)

export const isResultId = (id: string): boolean => sha256HexPattern.test(id)

/** Succeeds with the id when it is a well-formed result id. */
export const validateResultId = (id: string): Effect.Effect<string, InvalidResultId> =>
  isResultId(id)
    ? Effect.succeed(id)
    : Effect.fail(
      new InvalidResultId({
        id,
        message: `Invalid result id "${preview(id)}": expected 64 lowercase hex characters (a sha256 digest)`
      })
    )

/** The id a store gives these bytes. */
export const resultIdOf = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/** Two directory levels from the id's first four characters keep directories small: `ab/cd/<id>`. */
export const shardPath = (id: string): ReadonlyArray<string> => [id.slice(0, 2), id.slice(2, 4), id]

const preview = (id: string): string => (id.length > 80 ? `${id.slice(0, 77)}...` : id)
