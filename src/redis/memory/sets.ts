/** Set commands. An emptied set disappears. */
import { arg, isInteger } from "./args.js"
import type { CommandTable } from "./command.js"

// Redis keeps a small set of integers as a sorted "intset", so SMEMBERS lists them in order;
// other sets come back in hash order, for which insertion order stands in.
const INTSET_MAX_ENTRIES = 512

const members = (set: Set<string> | undefined): Array<string> => {
  const all = [...(set ?? [])]
  if (all.length > INTSET_MAX_ENTRIES || !all.every(isInteger)) return all
  return all.sort((a, b) => {
    const difference = BigInt(a) - BigInt(b)
    return difference < 0n ? -1 : difference > 0n ? 1 : 0
  })
}

export const setCommands: CommandTable = {
  sadd: {
    arity: -3,
    write: true,
    run: (ctx, args) => {
      const set = ctx.ks.setOrCreate(arg(args, 0))
      let added = 0
      for (const member of args.slice(1)) {
        if (set.has(member)) continue
        set.add(member)
        added++
      }
      return added
    }
  },
  srem: {
    arity: -3,
    write: true,
    run: (ctx, args) => {
      const key = arg(args, 0)
      const set = ctx.ks.set(key)
      if (set === undefined) return 0
      const removed = args.slice(1).filter((member) => set.delete(member)).length
      ctx.ks.dropIfEmpty(key)
      return removed
    }
  },
  smembers: { arity: 2, run: (ctx, args) => members(ctx.ks.set(arg(args, 0))) },
  sismember: { arity: 3, run: (ctx, args) => (ctx.ks.set(arg(args, 0))?.has(arg(args, 1)) ? 1 : 0) },
  smismember: {
    arity: -3,
    run: (ctx, args) => {
      const set = ctx.ks.set(arg(args, 0))
      return args.slice(1).map((member) => (set?.has(member) ? 1 : 0))
    }
  },
  scard: { arity: 2, run: (ctx, args) => ctx.ks.set(arg(args, 0))?.size ?? 0 }
}
