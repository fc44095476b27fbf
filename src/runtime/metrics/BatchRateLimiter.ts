/**
 * Decides which batch events of one run are published: every `every`-th batch (0: none), and
 * of those at most one per `minIntervalMs`. The caller passes the time, so the decision is
 * pure and the emitter can read it from the Effect Clock (TestClock in tests).
 */
export class BatchRateLimiter {
  private lastAdmittedAt: number | undefined = undefined

  constructor(
    readonly every: number,
    readonly minIntervalMs: number
  ) {}

  /** `batch` counts from 1 over the whole run; `nowMs` is the current clock time. */
  admit(batch: number, nowMs: number): boolean {
    if (this.every <= 0 || batch % this.every !== 0) return false
    if (this.lastAdmittedAt !== undefined && nowMs - this.lastAdmittedAt < this.minIntervalMs) return false
    this.lastAdmittedAt = nowMs
    return true
  }
}
