/**
 * A fixed-capacity FIFO ring of queued metrics events. `push` never blocks: when the ring is full
 * the caller chooses to drop the oldest entry (batch events: the newest figures are the useful
 * ones) or the new one (milestones: keep what is already promised to consumers).
 */
import type { JobDomain } from "../../contracts/JobDomain.js"

export interface QueuedMetric {
  /** Global order of emission, used to merge the batch and milestone rings back into one stream. */
  readonly seq: number
  readonly domain: JobDomain
  readonly jobId: string
  readonly json: string
}

export class MetricsBuffer {
  private readonly items: Array<QueuedMetric | undefined>
  private head = 0
  private count = 0

  constructor(readonly capacity: number) {
    this.items = Array.from({ length: capacity }, (): QueuedMetric | undefined => undefined)
  }

  get size(): number {
    return this.count
  }

  /** Adds `item`; when full, evicts and returns the oldest entry (`dropOldest`) or returns `item` itself. */
  push(item: QueuedMetric, dropOldest: boolean): QueuedMetric | undefined {
    if (this.count < this.capacity) {
      this.items[(this.head + this.count) % this.capacity] = item
      this.count++
      return undefined
    }
    if (!dropOldest) return item
    const evicted = this.shift()
    this.items[(this.head + this.count) % this.capacity] = item
    this.count++
    return evicted
  }

  /** The oldest entry, without removing it. */
  peek(): QueuedMetric | undefined {
    return this.count === 0 ? undefined : this.items[this.head]
  }

  shift(): QueuedMetric | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.capacity
    this.count--
    return item
  }
}

/** Takes up to `max` entries from both rings in emission order. */
export const takeInOrder = (a: MetricsBuffer, b: MetricsBuffer, max: number): Array<QueuedMetric> => {
  const out: Array<QueuedMetric> = []
  while (out.length < max) {
    const x = a.peek()
    const y = b.peek()
    const next = x === undefined ? b.shift() : y === undefined || x.seq < y.seq ? a.shift() : b.shift()
    if (next === undefined) break
    out.push(next)
  }
  return out
}
