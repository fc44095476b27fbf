/** A sorted set: member → score, plus an array kept ordered by (score, member) for ranges. */
import { reversed } from "./args.js"
export interface ScoredMember {
  readonly member: string
  readonly score: number
}

/** A score bound as ZRANGEBYSCORE takes it: `(1.5` is exclusive, `-inf`/`+inf` are open ends. */
export interface ScoreBound {
  readonly value: number
  readonly exclusive: boolean
}

const compare = (a: ScoredMember, b: ScoredMember): number =>
  a.score !== b.score ? (a.score < b.score ? -1 : 1) : a.member < b.member ? -1 : a.member > b.member ? 1 : 0

export const aboveMin = (score: number, min: ScoreBound): boolean =>
  min.exclusive ? score > min.value : score >= min.value

export const belowMax = (score: number, max: ScoreBound): boolean =>
  max.exclusive ? score < max.value : score <= max.value

export class SortedSet {
  private readonly scores = new Map<string, number>()
  private readonly ordered: Array<ScoredMember> = []

  get size(): number {
    return this.ordered.length
  }

  score(member: string): number | undefined {
    return this.scores.get(member)
  }

  /** Index of the first entry not below `entry` in the order. */
  private lowerBound(entry: ScoredMember): number {
    let lo = 0
    let hi = this.ordered.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const probe = this.ordered[mid]
      if (probe !== undefined && compare(probe, entry) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Sets the score; true when the member is new. */
  add(member: string, score: number): boolean {
    const previous = this.scores.get(member)
    if (previous !== undefined) {
      if (previous === score) return false
      this.ordered.splice(this.lowerBound({ member, score: previous }), 1)
    }
    this.scores.set(member, score)
    this.ordered.splice(this.lowerBound({ member, score }), 0, { member, score })
    return previous === undefined
  }

  remove(member: string): boolean {
    const score = this.scores.get(member)
    if (score === undefined) return false
    this.scores.delete(member)
    this.ordered.splice(this.lowerBound({ member, score }), 1)
    return true
  }

  rank(member: string): number | undefined {
    const score = this.scores.get(member)
    return score === undefined ? undefined : this.lowerBound({ member, score })
  }

  /** Entries with rank in [start, stop] (already normalised, inclusive). */
  byRank(start: number, stop: number): Array<ScoredMember> {
    return this.ordered.slice(start, stop + 1)
  }

  /** Entries with a score within the bounds, in ascending order. */
  byScore(min: ScoreBound, max: ScoreBound): Array<ScoredMember> {
    let index = this.lowerBound({ member: "", score: min.value })
    const out: Array<ScoredMember> = []
    for (; index < this.ordered.length; index++) {
      const entry = this.ordered[index]
      if (entry === undefined || !belowMax(entry.score, max)) break
      if (aboveMin(entry.score, min)) out.push(entry)
    }
    return out
  }

  /** Removes and returns up to `count` entries from the low end, or the high end when `fromMax`. */
  pop(count: number, fromMax: boolean): Array<ScoredMember> {
    const taken = fromMax ? reversed(this.ordered.splice(Math.max(0, this.ordered.length - count))) : this.ordered.splice(0, count)
    for (const entry of taken) this.scores.delete(entry.member)
    return taken
  }
}
