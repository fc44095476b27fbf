/** Sorted-set commands, including the blocking BZPOPMIN/BZPOPMAX. An emptied sorted set disappears. */
import {
  arg,
  formatDouble,
  normaliseRange,
  parseFloatArg,
  parseFloatOrUndefined,
  parseInteger,
  parseTimeout,
  reversed,
  upper
} from "./args.js"
import type { CommandContext, CommandTable } from "./command.js"
import type { ScoreBound, ScoredMember } from "./SortedSet.js"
import { lexRange } from "./sortedSetsLex.js"
import { CommandError, type Reply, syntaxError, WouldBlock } from "./types.js"

const parseBound = (text: string): ScoreBound => {
  const exclusive = text.startsWith("(")
  const number = exclusive ? text.slice(1) : text
  // strtod reads an empty string as 0 without complaint, so "(" is an exclusive 0 in Redis.
  const value = number === "" ? 0 : parseFloatOrUndefined(number)
  if (value === undefined) throw new CommandError("ERR min or max is not a float")
  return { value, exclusive }
}

const withScores = (entries: ReadonlyArray<ScoredMember>, scores: boolean): Array<string> =>
  entries.flatMap((entry) => (scores ? [entry.member, formatDouble(entry.score)] : [entry.member]))

const zadd = (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const flags = new Set<string>()
  let i = 1
  for (; i < args.length; i++) {
    const flag = upper(args[i])
    if (!["NX", "XX", "GT", "LT", "CH", "INCR"].includes(flag)) break
    flags.add(flag)
  }
  const pairs = args.slice(i)
  if (pairs.length === 0 || pairs.length % 2 !== 0) throw syntaxError()
  if (flags.has("NX") && flags.has("XX")) throw new CommandError("ERR XX and NX options at the same time are not compatible")
  if ((flags.has("GT") && flags.has("LT")) || (flags.has("NX") && (flags.has("GT") || flags.has("LT")))) {
    throw new CommandError("ERR GT, LT, and/or NX options at the same time are not compatible")
  }
  if (flags.has("INCR") && pairs.length > 2) {
    throw new CommandError("ERR INCR option supports a single increment-element pair")
  }
  const scores = pairs.filter((_, index) => index % 2 === 0).map((text) => parseFloatArg(text))
  const key = arg(args, 0)
  const zset = ctx.ks.zset(key)
  if (zset === undefined && flags.has("XX")) return flags.has("INCR") ? null : 0
  const target = zset ?? ctx.ks.zsetOrCreate(key)
  let added = 0
  let changed = 0
  let incremented: number | null = null
  scores.forEach((given, index) => {
    const member = arg(pairs, index * 2 + 1)
    const current = target.score(member)
    if ((flags.has("NX") && current !== undefined) || (flags.has("XX") && current === undefined)) return
    const score = flags.has("INCR") ? (current ?? 0) + given : given
    if (Number.isNaN(score)) throw new CommandError("ERR resulting score is not a number (NaN)")
    if (current !== undefined && ((flags.has("GT") && score <= current) || (flags.has("LT") && score >= current))) return
    if (target.add(member, score)) added++
    else if (current !== score) changed++
    incremented = score
  })
  ctx.ks.dropIfEmpty(key)
  if (flags.has("INCR")) return incremented === null ? null : formatDouble(incremented)
  return flags.has("CH") ? added + changed : added
}

interface RangeOptions {
  scores: boolean
  limit: readonly [number, number] | undefined
}

interface ZRangeOptions extends RangeOptions {
  by: string
  rev: boolean
}

const parseRangeOptions = (args: ReadonlyArray<string>, allowRev: boolean): ZRangeOptions => {
  const options: ZRangeOptions = { scores: false, limit: undefined, by: "RANK", rev: false }
  for (let i = 0; i < args.length; i++) {
    const option = upper(args[i])
    if (option === "WITHSCORES") options.scores = true
    else if (option === "BYSCORE" || option === "BYLEX") options.by = option
    else if (option === "REV" && allowRev) options.rev = true
    else if (option === "LIMIT" && i + 2 < args.length) {
      options.limit = [parseInteger(arg(args, i + 1)), parseInteger(arg(args, i + 2))]
      i += 2
    } else throw syntaxError()
  }
  return options
}

const applyLimit = (entries: Array<ScoredMember>, limit: RangeOptions["limit"]): Array<ScoredMember> => {
  if (limit === undefined) return entries
  const [offset, count] = limit
  if (offset < 0) return []
  return entries.slice(offset, count < 0 ? undefined : offset + count)
}

const byScore = (ctx: CommandContext, key: string, min: string, max: string, rev: boolean, options: RangeOptions): Reply => {
  const [low, high] = [parseBound(min), parseBound(max)]
  const entries = ctx.ks.zset(key)?.byScore(low, high) ?? []
  return withScores(applyLimit(rev ? reversed(entries) : entries, options.limit), options.scores)
}

const byRank = (ctx: CommandContext, key: string, start: string, stop: string, rev: boolean, scores: boolean): Reply => {
  const [from, to] = [parseInteger(start), parseInteger(stop)]
  const zset = ctx.ks.zset(key)
  if (zset === undefined) return []
  const range = normaliseRange(from, to, zset.size)
  if (range === undefined) return []
  const entries = rev
    ? reversed(zset.byRank(zset.size - 1 - range[1], zset.size - 1 - range[0]))
    : zset.byRank(range[0], range[1])
  return withScores(entries, scores)
}

const zrange = (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const options = parseRangeOptions(args.slice(3), true)
  const [key, start, stop] = [arg(args, 0), arg(args, 1), arg(args, 2)]
  if (options.by === "BYLEX") {
    if (options.scores) throw new CommandError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    return options.rev
      ? lexRange(ctx, key, stop, start, true, options.limit)
      : lexRange(ctx, key, start, stop, false, options.limit)
  }
  if (options.by === "RANK") {
    if (options.limit !== undefined) {
      throw new CommandError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    }
    return byRank(ctx, key, start, stop, options.rev, options.scores)
  }
  return options.rev ? byScore(ctx, key, stop, start, true, options) : byScore(ctx, key, start, stop, false, options)
}

const pop = (fromMax: boolean) => (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  if (args.length > 2) throw syntaxError()
  const count = args.length === 2
    ? parseInteger(arg(args, 1), () => new CommandError("ERR value is out of range, must be positive"))
    : 1
  if (count < 0) throw new CommandError("ERR value is out of range, must be positive")
  const key = arg(args, 0)
  const taken = ctx.ks.zset(key)?.pop(count, fromMax) ?? []
  ctx.ks.dropIfEmpty(key)
  return withScores(taken, true)
}

const blockingPop = (fromMax: boolean) => (ctx: CommandContext, args: ReadonlyArray<string>): Reply | WouldBlock => {
  const keys = args.slice(0, -1)
  const deadline = parseTimeout(arg(args, args.length - 1))
  for (const key of keys) {
    const entry = ctx.ks.zset(key)?.pop(1, fromMax)[0]
    if (entry !== undefined) {
      ctx.ks.dropIfEmpty(key)
      return [key, entry.member, formatDouble(entry.score)]
    }
  }
  return new WouldBlock(keys, deadline, args)
}

const removeAll = (ctx: CommandContext, key: string, entries: ReadonlyArray<ScoredMember>): number => {
  const zset = ctx.ks.zset(key)
  const removed = entries.filter((entry) => zset?.remove(entry.member)).length
  ctx.ks.dropIfEmpty(key)
  return removed
}

export const sortedSetCommands: CommandTable = {
  zadd: { arity: -4, write: true, run: zadd },
  zincrby: {
    arity: 4,
    write: true,
    run: (ctx, args) => zadd(ctx, [arg(args, 0), "INCR", arg(args, 1), arg(args, 2)])
  },
  zrem: { arity: -3, write: true, run: (ctx, args) => removeAll(ctx, arg(args, 0), args.slice(1).map((member) => ({ member, score: 0 }))) },
  zscore: {
    arity: 3,
    run: (ctx, args) => {
      const score = ctx.ks.zset(arg(args, 0))?.score(arg(args, 1))
      return score === undefined ? null : formatDouble(score)
    }
  },
  zmscore: {
    arity: -3,
    run: (ctx, args) => {
      const zset = ctx.ks.zset(arg(args, 0))
      return args.slice(1).map((member) => {
        const score = zset?.score(member)
        return score === undefined ? null : formatDouble(score)
      })
    }
  },
  zcard: { arity: 2, run: (ctx, args) => ctx.ks.zset(arg(args, 0))?.size ?? 0 },
  zcount: {
    arity: 4,
    run: (ctx, args) => {
      const [min, max] = [parseBound(arg(args, 1)), parseBound(arg(args, 2))]
      return ctx.ks.zset(arg(args, 0))?.byScore(min, max).length ?? 0
    }
  },
  zrank: { arity: 3, run: (ctx, args) => ctx.ks.zset(arg(args, 0))?.rank(arg(args, 1)) ?? null },
  zrevrank: {
    arity: 3,
    run: (ctx, args) => {
      const zset = ctx.ks.zset(arg(args, 0))
      const rank = zset?.rank(arg(args, 1))
      return zset === undefined || rank === undefined ? null : zset.size - 1 - rank
    }
  },
  zrange: { arity: -4, run: zrange },
  zrevrange: {
    arity: -4,
    run: (ctx, args) => {
      const options = parseRangeOptions(args.slice(3), false)
      if (options.by !== "RANK" || options.limit !== undefined) throw syntaxError()
      return byRank(ctx, arg(args, 0), arg(args, 1), arg(args, 2), true, options.scores)
    }
  },
  zrangebyscore: {
    arity: -4,
    run: (ctx, args) => byScore(ctx, arg(args, 0), arg(args, 1), arg(args, 2), false, parseRangeOptions(args.slice(3), false))
  },
  zrevrangebyscore: {
    arity: -4,
    run: (ctx, args) => byScore(ctx, arg(args, 0), arg(args, 2), arg(args, 1), true, parseRangeOptions(args.slice(3), false))
  },
  zremrangebyscore: {
    arity: 4,
    write: true,
    run: (ctx, args) => {
      const [min, max] = [parseBound(arg(args, 1)), parseBound(arg(args, 2))]
      return removeAll(ctx, arg(args, 0), ctx.ks.zset(arg(args, 0))?.byScore(min, max) ?? [])
    }
  },
  zremrangebyrank: {
    arity: 4,
    write: true,
    run: (ctx, args) => {
      const zset = ctx.ks.zset(arg(args, 0))
      const range = normaliseRange(parseInteger(arg(args, 1)), parseInteger(arg(args, 2)), zset?.size ?? 0)
      return range === undefined ? 0 : removeAll(ctx, arg(args, 0), zset?.byRank(range[0], range[1]) ?? [])
    }
  },
  zpopmin: { arity: -2, write: true, run: pop(false) },
  zpopmax: { arity: -2, write: true, run: pop(true) },
  bzpopmin: { arity: -3, write: true, noScript: true, run: blockingPop(false) },
  bzpopmax: { arity: -3, write: true, noScript: true, run: blockingPop(true) }
}
