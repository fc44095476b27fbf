/** A stream: entries in strictly increasing `<ms>-<seq>` id order. */
import { CommandError } from "./types.js"

export interface StreamId {
  readonly ms: number
  readonly seq: number
}

export interface StreamEntry {
  readonly id: StreamId
  readonly fields: ReadonlyArray<string>
}

export const MAX_SEQ = Number.MAX_SAFE_INTEGER

export const compareIds = (a: StreamId, b: StreamId): number =>
  a.ms !== b.ms ? (a.ms < b.ms ? -1 : 1) : a.seq !== b.seq ? (a.seq < b.seq ? -1 : 1) : 0

export const formatId = (id: StreamId): string => `${id.ms}-${id.seq}`

export const invalidId = () => new CommandError("ERR Invalid stream ID specified as stream command argument")

/** Parses `ms` or `ms-seq`; a bare `ms` takes `missingSeq` as its sequence. */
export const parseId = (text: string, missingSeq: number): StreamId => {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text)
  if (match === null || match[1] === undefined) throw invalidId()
  const ms = Number(match[1])
  const seq = match[2] === undefined ? missingSeq : Number(match[2])
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq)) throw invalidId()
  return { ms, seq }
}

export class Stream {
  readonly entries: Array<StreamEntry> = []
  lastId: StreamId = { ms: 0, seq: 0 }

  /** Index of the first entry whose id is not below `id`. */
  lowerBound(id: StreamId): number {
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const probe = this.entries[mid]
      if (probe !== undefined && compareIds(probe.id, id) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Entries with ids in [start, end], ascending. */
  range(start: StreamId, end: StreamId): Array<StreamEntry> {
    const out: Array<StreamEntry> = []
    for (let index = this.lowerBound(start); index < this.entries.length; index++) {
      const entry = this.entries[index]
      if (entry === undefined || compareIds(entry.id, end) > 0) break
      out.push(entry)
    }
    return out
  }

  /** Drops the oldest entries so that at most `maxLen` remain; returns how many went. */
  trimTo(maxLen: number): number {
    const excess = Math.max(0, this.entries.length - maxLen)
    this.entries.splice(0, excess)
    return excess
  }
}

/** The id XADD assigns for `*` or `<ms>-*` (`ms` undefined means the current time). */
export const nextId = (lastId: StreamId, ms: number | undefined): StreamId => {
  const now = ms ?? Math.max(Date.now(), lastId.ms)
  if (now === lastId.ms) {
    if (lastId.seq >= MAX_SEQ) throw tooSmall()
    return { ms: now, seq: lastId.seq + 1 }
  }
  if (now < lastId.ms) throw tooSmall()
  return { ms: now, seq: 0 }
}

const tooSmall = () => new CommandError("ERR The ID specified in XADD is equal or smaller than the target stream top item")
