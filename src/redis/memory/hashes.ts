/** Hash commands. A hash whose last field is deleted disappears, as in Redis. */
import { addInt64, arg, int64Text, isInteger } from "./args.js"
import type { CommandContext, CommandTable } from "./command.js"
import { CommandError, Int64Reply, OK, type Reply } from "./types.js"

const setFields = (name: string, reply: (added: number) => Reply) => (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  if (args.length % 2 === 0) throw new CommandError(`ERR wrong number of arguments for '${name}' command`)
  const hash = ctx.ks.hashOrCreate(arg(args, 0))
  let added = 0
  for (let i = 1; i < args.length; i += 2) {
    if (!hash.has(arg(args, i))) added++
    hash.set(arg(args, i), arg(args, i + 1))
  }
  return reply(added)
}

export const hashCommands: CommandTable = {
  hset: { arity: -4, write: true, run: setFields("hset", (added) => added) },
  hmset: { arity: -4, write: true, run: setFields("hmset", () => OK) },
  hsetnx: {
    arity: 4,
    write: true,
    run: (ctx, args) => {
      const hash = ctx.ks.hashOrCreate(arg(args, 0))
      if (hash.has(arg(args, 1))) return 0
      hash.set(arg(args, 1), arg(args, 2))
      return 1
    }
  },
  hget: { arity: 3, run: (ctx, args) => ctx.ks.hash(arg(args, 0))?.get(arg(args, 1)) ?? null },
  hmget: {
    arity: -3,
    run: (ctx, args) => {
      const hash = ctx.ks.hash(arg(args, 0))
      return args.slice(1).map((field) => hash?.get(field) ?? null)
    }
  },
  hgetall: { arity: 2, run: (ctx, args) => [...(ctx.ks.hash(arg(args, 0)) ?? new Map<string, string>())].flat() },
  hkeys: { arity: 2, run: (ctx, args) => [...(ctx.ks.hash(arg(args, 0))?.keys() ?? [])] },
  hvals: { arity: 2, run: (ctx, args) => [...(ctx.ks.hash(arg(args, 0))?.values() ?? [])] },
  hlen: { arity: 2, run: (ctx, args) => ctx.ks.hash(arg(args, 0))?.size ?? 0 },
  hexists: { arity: 3, run: (ctx, args) => (ctx.ks.hash(arg(args, 0))?.has(arg(args, 1)) ? 1 : 0) },
  hdel: {
    arity: -3,
    write: true,
    run: (ctx, args) => {
      const key = arg(args, 0)
      const hash = ctx.ks.hash(key)
      if (hash === undefined) return 0
      const removed = args.slice(1).filter((field) => hash.delete(field)).length
      ctx.ks.dropIfEmpty(key)
      return removed
    }
  },
  hincrby: {
    arity: 4,
    write: true,
    run: (ctx, args) => {
      const delta = int64Text(arg(args, 2))
      const hash = ctx.ks.hashOrCreate(arg(args, 0))
      const current = hash.get(arg(args, 1))
      if (current !== undefined && !isInteger(current)) throw new CommandError("ERR hash value is not an integer")
      const next = addInt64(current ?? "0", delta)
      hash.set(arg(args, 1), next)
      return new Int64Reply(next)
    }
  }
}
