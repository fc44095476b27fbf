/**
 * Callers blocked on keys (BLMOVE, BZPOPMIN, XREAD BLOCK, ...). When a write touches one of
 * their keys they are retried right there, in the order they blocked, as Redis serves blocked
 * clients at the end of the command that fed them.
 */
interface Waiter {
  readonly order: number
  /** Runs the blocked command again; true when it was served. */
  readonly retry: () => boolean
  // "retrying" keeps the waiter from being retried again by its own retry's write.
  state: "waiting" | "retrying" | "gone"
}

export class Waiters {
  private readonly byKey = new Map<string, Set<Waiter>>()
  private nextOrder = 0

  /** Calls `retry` each time a write touches one of `keys`, until it serves or the returned function is called. */
  add(keys: ReadonlyArray<string>, retry: () => boolean): () => void {
    const waiter: Waiter = { order: this.nextOrder++, retry, state: "waiting" }
    for (const key of keys) {
      const set = this.byKey.get(key) ?? new Set()
      set.add(waiter)
      this.byKey.set(key, set)
    }
    return () => {
      waiter.state = "gone"
      for (const key of keys) {
        const set = this.byKey.get(key)
        set?.delete(waiter)
        if (set?.size === 0) this.byKey.delete(key)
      }
    }
  }

  touched(keys: Iterable<string>): void {
    if (this.byKey.size === 0) return
    const candidates = new Set<Waiter>()
    for (const key of keys) for (const waiter of this.byKey.get(key) ?? []) candidates.add(waiter)
    const inOrder = [...candidates].sort((a, b) => a.order - b.order)
    // A retry may serve (and remove) others through its own write; skip those.
    for (const waiter of inOrder) {
      if (waiter.state !== "waiting") continue
      waiter.state = "retrying"
      const served = waiter.retry()
      if (waiter.state === "retrying") waiter.state = served ? "gone" : "waiting"
    }
  }
}
