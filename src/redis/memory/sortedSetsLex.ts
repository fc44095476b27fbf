/** Lexicographic ranges of sorted sets (members of equal score): ZRANGEBYLEX and friends. */
import { arg, parseInteger, upper } from "./args.js"
import type { CommandContext, CommandTable } from "./command.js"
import type { ScoredMember } from "./SortedSet.js"
import { CommandError, type Reply, syntaxError } from "./types.js"

interface LexBound {
  readonly value: string
  /** -1 for "-", 1 for "+", 0 for a member bound. */
  readonly infinite: -1 | 0 | 1
  readonly exclusive: boolean
}

const parseLexBound = (text: string): LexBound => {
  if (text === "-") return { value: "", infinite: -1, exclusive: false }
  if (text === "+") return { value: "", infinite: 1, exclusive: false }
  if (text.startsWith("[")) return { value: text.slice(1), infinite: 0, exclusive: false }
  if (text.startsWith("(")) return { value: text.slice(1), infinite: 0, exclusive: true }
  throw new CommandError("ERR min or max not valid string range item")
}

const aboveMin = (member: string, min: LexBound): boolean =>
  min.infinite === -1 ? true : min.infinite === 1 ? false : min.exclusive ? member > min.value : member >= min.value

const belowMax = (member: string, max: LexBound): boolean =>
  max.infinite === 1 ? true : max.infinite === -1 ? false : max.exclusive ? member < max.value : member <= max.value

/** Order of two bounds, with "-" below and "+" above every member. */
const compareBounds = (a: LexBound, b: LexBound): number =>
  a.infinite !== 0 || b.infinite !== 0
    ? a.infinite - b.infinite
    : a.value < b.value ? -1 : a.value > b.value ? 1 : 0

/**
 * The members in range as Redis finds them in a small (listpack) sorted set: from the first
 * member at or above `min` (in score order), onwards while members stay at or below `max`;
 * walking back from the end when `reverse`. With equal scores that is the plain lex range.
 */
const inLexRange = (ctx: CommandContext, key: string, min: string, max: string, reverse = false): Array<ScoredMember> => {
  const [low, high] = [parseLexBound(min), parseLexBound(max)]
  const zset = ctx.ks.zset(key)
  if (zset === undefined || zset.size === 0) return []
  const order = compareBounds(low, high)
  if (order > 0 || (order === 0 && (low.exclusive || high.exclusive))) return []
  const entries = zset.byRank(0, zset.size - 1)
  const first = entries[0]
  const last = entries[entries.length - 1]
  if (first === undefined || last === undefined || !aboveMin(last.member, low) || !belowMax(first.member, high)) return []
  const out: Array<ScoredMember> = []
  if (!reverse) {
    const start = entries.findIndex((entry) => aboveMin(entry.member, low))
    if (start < 0) return out
    for (let i = start; i < entries.length; i++) {
      const entry = entries[i]
      if (entry === undefined || !belowMax(entry.member, high)) break
      out.push(entry)
    }
    return out
  }
  let start = entries.length - 1
  while (start >= 0 && !belowMax(entries[start]?.member ?? "", high)) start--
  for (let i = start; i >= 0; i--) {
    const entry = entries[i]
    if (entry === undefined || !aboveMin(entry.member, low)) break
    out.push(entry)
  }
  return out
}

/** `[LIMIT offset count]` after the bounds; anything else is a syntax error. */
const parseLimit = (rest: ReadonlyArray<string>): readonly [number, number] | undefined => {
  if (rest.length === 0) return undefined
  if (rest.length !== 3 || upper(rest[0]) !== "LIMIT") throw syntaxError()
  return [parseInteger(arg(rest, 1)), parseInteger(arg(rest, 2))]
}

const applyLimit = (entries: Array<ScoredMember>, limit: readonly [number, number] | undefined): Array<string> => {
  const members = entries.map((entry) => entry.member)
  if (limit === undefined) return members
  const [offset, count] = limit
  return offset < 0 ? [] : members.slice(offset, count < 0 ? undefined : offset + count)
}

/** ZRANGE key min max BYLEX [REV] [LIMIT ...]: the bounds come already in (min, max) order. */
export const lexRange = (
  ctx: CommandContext,
  key: string,
  min: string,
  max: string,
  rev: boolean,
  limit: readonly [number, number] | undefined
): Reply => {
  return applyLimit(inLexRange(ctx, key, min, max, rev), limit)
}

export const lexCommands: CommandTable = {
  zrangebylex: {
    arity: -4,
    run: (ctx, args) => lexRange(ctx, arg(args, 0), arg(args, 1), arg(args, 2), false, parseLimit(args.slice(3)))
  },
  zrevrangebylex: {
    arity: -4,
    run: (ctx, args) => lexRange(ctx, arg(args, 0), arg(args, 2), arg(args, 1), true, parseLimit(args.slice(3)))
  },
  zlexcount: { arity: 4, run: (ctx, args) => inLexRange(ctx, arg(args, 0), arg(args, 1), arg(args, 2)).length },
  zremrangebylex: {
    arity: 4,
    write: true,
    run: (ctx, args) => {
      const key = arg(args, 0)
      const doomed = inLexRange(ctx, key, arg(args, 1), arg(args, 2))
      const zset = ctx.ks.zset(key)
      for (const entry of doomed) zset?.remove(entry.member)
      ctx.ks.dropIfEmpty(key)
      return doomed.length
    }
  }
}
