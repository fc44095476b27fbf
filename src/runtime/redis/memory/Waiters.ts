/** Callers blocked on keys (BLMOVE, BZPOPMIN, XREAD BLOCK), woken when a write touches one of them. */
export class Waiters {
  private readonly byKey = new Map<string, Set<() => void>>()
  private pending = new Set<() => void>()
  private scheduled = false

  /** Calls `wake` once a write touches one of `keys`; the returned function cancels. */
  add(keys: ReadonlyArray<string>, wake: () => void): () => void {
    for (const key of keys) {
      const set = this.byKey.get(key) ?? new Set()
      set.add(wake)
      this.byKey.set(key, set)
    }
    return () => {
      for (const key of keys) {
        const set = this.byKey.get(key)
        set?.delete(wake)
        if (set?.size === 0) this.byKey.delete(key)
      }
    }
  }

  // Wakes after the current command or script finishes, so blocked callers see its whole effect.
  touched(keys: Iterable<string>): void {
    if (this.byKey.size === 0) return
    for (const key of keys) for (const wake of this.byKey.get(key) ?? []) this.pending.add(wake)
    if (this.pending.size === 0 || this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      const woken = this.pending
      this.pending = new Set()
      this.scheduled = false
      for (const wake of woken) wake()
    })
  }
}
