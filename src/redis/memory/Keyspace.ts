/** The key → value map with lazy expiry: every read checks the deadline first. */
import { Deque } from "./Deque.js"
import { SortedSet } from "./SortedSet.js"
import { Stream } from "./Stream.js"
import { type Value, wrongType } from "./types.js"

interface Entry {
  value: Value
  /** Deadline in ms since epoch (Date.now()), or undefined for no expiry. */
  expiresAt: number | undefined
  /** Creation order, which is also the map's iteration order: SCAN's cursor. */
  seq: number
}

export class Keyspace {
  private readonly entries = new Map<string, Entry>()
  private touched: Set<string> | undefined
  // Starts at 1: SCAN's cursor 0 means "from the start" and "done".
  private nextSeq = 1
  /** Keys that were given a deadline (possibly stale): what `sweep` walks. */
  private readonly expiring = new Set<string>()
  private sweepCursor: Iterator<string> | undefined

  /**
   * Records every key read or written until `stopTracking` (to wake blocked callers). Nests:
   * returns the enclosing record, which `stopTracking` restores and adds to.
   */
  startTracking(): Set<string> | undefined {
    const outer = this.touched
    this.touched = new Set()
    return outer
  }

  stopTracking(outer: Set<string> | undefined): ReadonlySet<string> {
    const touched = this.touched ?? new Set<string>()
    this.touched = outer
    for (const key of touched) outer?.add(key)
    return touched
  }

  private entry(key: string): Entry | undefined {
    this.touched?.add(key)
    const entry = this.entries.get(key)
    if (entry !== undefined && entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry
  }

  get(key: string): Value | undefined {
    return this.entry(key)?.value
  }

  has(key: string): boolean {
    return this.entry(key) !== undefined
  }

  // Typed reads: undefined when missing, WRONGTYPE when the key holds another kind.
  str(key: string): string | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    if (value.kind !== "string") throw wrongType()
    return value.value
  }

  hash(key: string): Map<string, string> | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    if (value.kind !== "hash") throw wrongType()
    return value.value
  }

  list(key: string): Deque | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    if (value.kind !== "list") throw wrongType()
    return value.value
  }

  set(key: string): Set<string> | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    if (value.kind !== "set") throw wrongType()
    return value.value
  }

  zset(key: string): SortedSet | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    if (value.kind !== "zset") throw wrongType()
    return value.value
  }

  stream(key: string): Stream | undefined {
    const value = this.get(key)
    if (value === undefined) return undefined
    if (value.kind !== "stream") throw wrongType()
    return value.value
  }

  hashOrCreate(key: string): Map<string, string> {
    const existing = this.hash(key)
    if (existing !== undefined) return existing
    const value: Map<string, string> = new Map()
    this.entries.set(key, { value: { kind: "hash", value }, expiresAt: undefined, seq: this.nextSeq++ })
    return value
  }

  listOrCreate(key: string): Deque {
    const existing = this.list(key)
    if (existing !== undefined) return existing
    const value: Deque = new Deque()
    this.entries.set(key, { value: { kind: "list", value }, expiresAt: undefined, seq: this.nextSeq++ })
    return value
  }

  setOrCreate(key: string): Set<string> {
    const existing = this.set(key)
    if (existing !== undefined) return existing
    const value: Set<string> = new Set()
    this.entries.set(key, { value: { kind: "set", value }, expiresAt: undefined, seq: this.nextSeq++ })
    return value
  }

  zsetOrCreate(key: string): SortedSet {
    const existing = this.zset(key)
    if (existing !== undefined) return existing
    const value: SortedSet = new SortedSet()
    this.entries.set(key, { value: { kind: "zset", value }, expiresAt: undefined, seq: this.nextSeq++ })
    return value
  }

  streamOrCreate(key: string): Stream {
    const existing = this.stream(key)
    if (existing !== undefined) return existing
    const value: Stream = new Stream()
    this.entries.set(key, { value: { kind: "stream", value }, expiresAt: undefined, seq: this.nextSeq++ })
    return value
  }

  /** Replaces the value, dropping any expiry unless `keepTtl`. */
  put(key: string, value: Value, keepTtl = false): void {
    this.touched?.add(key)
    const expiresAt = keepTtl ? this.entry(key)?.expiresAt : undefined
    this.entries.set(key, { value, expiresAt, seq: this.entries.get(key)?.seq ?? this.nextSeq++ })
  }

  delete(key: string): boolean {
    return this.entry(key) !== undefined && this.entries.delete(key)
  }

  /** Redis removes empty hashes, lists, sets and sorted sets; call after every removal. */
  dropIfEmpty(key: string): void {
    const value = this.entries.get(key)?.value
    if (value === undefined) return
    const size = value.kind === "hash" || value.kind === "set"
      ? value.value.size
      : value.kind === "list"
      ? value.value.length
      : value.kind === "zset"
      ? value.value.size
      : 1
    if (size === 0) this.entries.delete(key)
  }

  /** Moves a live key (value and expiry) to `to`, replacing whatever `to` held. */
  rename(from: string, to: string): boolean {
    const entry = this.entry(from)
    if (entry === undefined) return false
    this.entries.delete(from)
    this.touched?.add(to)
    this.entries.delete(to)
    entry.seq = this.nextSeq++
    this.entries.set(to, entry)
    if (entry.expiresAt !== undefined) this.expiring.add(to)
    return true
  }

  expiresAt(key: string): number | undefined {
    return this.entry(key)?.expiresAt
  }

  /** Sets or clears the deadline of an existing key; false when the key is missing. */
  setExpiry(key: string, expiresAt: number | undefined): boolean {
    const entry = this.entry(key)
    if (entry === undefined) return false
    entry.expiresAt = expiresAt
    if (expiresAt !== undefined) this.expiring.add(key)
    if (expiresAt !== undefined && expiresAt <= Date.now()) this.entries.delete(key)
    return true
  }

  /**
   * Removes expired keys nobody reads any more (Redis's active expiry), looking at up to
   * `budget` keys that were given a deadline, resuming where the previous sweep stopped.
   */
  sweep(budget: number): void {
    if (this.expiring.size === 0) return
    const now = Date.now()
    for (let i = 0; i < budget; i++) {
      this.sweepCursor ??= this.expiring.values()
      const next = this.sweepCursor.next()
      if (next.done === true) {
        this.sweepCursor = undefined
        return
      }
      const entry = this.entries.get(next.value)
      if (entry === undefined || entry.expiresAt === undefined) this.expiring.delete(next.value)
      else if (entry.expiresAt <= now) {
        this.entries.delete(next.value)
        this.expiring.delete(next.value)
      }
    }
  }

  /** Stored entries, expired or not (for tests of the sweep). */
  get storedCount(): number {
    return this.entries.size
  }

  /**
   * One SCAN step: up to `count` live keys created at or after `cursor`, and the cursor to
   * continue from (0 when done). Keys present for the whole scan are returned exactly once,
   * even when others are deleted meanwhile, as Redis guarantees.
   */
  scan(cursor: number, count: number): { readonly keys: Array<string>; readonly next: number } {
    const keys: Array<string> = []
    for (const [key, entry] of this.entries) {
      if (entry.seq < cursor) continue
      if (keys.length === count) return { keys, next: entry.seq }
      if (this.entry(key) !== undefined) keys.push(key)
    }
    return { keys, next: 0 }
  }

  /** Live keys, in insertion order (expired ones are removed on the way). */
  keys(): Array<string> {
    const out: Array<string> = []
    for (const key of this.entries.keys()) if (this.entry(key) !== undefined) out.push(key)
    return out
  }

  size(): number {
    return this.keys().length
  }

  clear(): void {
    this.entries.clear()
    this.expiring.clear()
    this.sweepCursor = undefined
  }
}
