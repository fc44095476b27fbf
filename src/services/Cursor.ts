/**
 * The opaque `cursor` of a listing page: keyset pagination on `(created_at DESC, id DESC)`, so a page
 * never skips or repeats a row when rows are added meanwhile (OFFSET would). The cursor is the last row's
 * key as base64url JSON; callers must treat it as opaque. A cursor that does not decode is a Validation
 * on `cursor` (400), never a database error: its parts go into the query only as bound parameters.
 */
import { DateTime, Effect, Schema } from "effect"
import { validation, type Validation } from "./errors.js"
import { EntityId, Timestamp } from "./fields.js"

export interface CursorKey {
  readonly created_at: DateTime.Utc
  readonly id: string
}

const CursorJson = Schema.fromJsonString(Schema.Struct({ t: Timestamp, id: EntityId }))
const encodeJson = Schema.encodeSync(CursorJson)
const decodeJson = Schema.decodeUnknownEffect(CursorJson, { onExcessProperty: "error" })

export const encodeCursor = (key: CursorKey): string =>
  Buffer.from(encodeJson({ t: key.created_at, id: key.id }), "utf8").toString("base64url")

const base64url = /^[A-Za-z0-9_-]{1,512}$/

export const decodeCursor = (cursor: string): Effect.Effect<CursorKey, Validation> =>
  base64url.test(cursor)
    ? decodeJson(Buffer.from(cursor, "base64url").toString("utf8")).pipe(
      Effect.map((decoded) => ({ created_at: decoded.t, id: decoded.id })),
      Effect.mapError(() => validation("cursor", "Expected a cursor from a previous page"))
    )
    : Effect.fail(validation("cursor", "Expected a cursor from a previous page"))

/** The next page's cursor: from the last row when the page is full, else none (that was the last page). */
export const nextCursor = (rows: ReadonlyArray<CursorKey>, limit: number): string | undefined => {
  const last = rows.at(-1)
  return rows.length >= limit && last !== undefined ? encodeCursor(last) : undefined
}
