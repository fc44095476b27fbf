/** String commands: GET, SET (NX/XX/GET/EX/PX/EXAT/PXAT/KEEPTTL), MGET, MSET, INCR/DECR family. */
import { addInt64, arg, int64Text, isInteger, parseInteger, upper } from "./args.js"
import type { CommandContext, CommandTable } from "./command.js"
import { CommandError, Int64Reply, notInteger, OK, type Reply, syntaxError } from "./types.js"

const set = (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const key = arg(args, 0)
  let condition: "NX" | "XX" | undefined
  let returnOld = false
  let keepTtl = false
  let deadline: number | undefined
  for (let i = 2; i < args.length; i++) {
    const option = upper(args[i])
    if ((option === "NX" || option === "XX") && condition === undefined) condition = option
    else if (option === "GET") returnOld = true
    else if (option === "KEEPTTL" && deadline === undefined) keepTtl = true
    else if (["EX", "PX", "EXAT", "PXAT"].includes(option) && deadline === undefined && !keepTtl && i + 1 < args.length) {
      const amount = parseInteger(arg(args, ++i))
      if (amount <= 0) throw new CommandError("ERR invalid expire time in 'set' command")
      deadline = option === "EX"
        ? Date.now() + amount * 1000
        : option === "PX"
        ? Date.now() + amount
        : option === "EXAT"
        ? amount * 1000
        : amount
    } else throw syntaxError()
  }
  const old = returnOld ? ctx.ks.str(key) ?? null : null
  const exists = ctx.ks.has(key)
  if ((condition === "NX" && exists) || (condition === "XX" && !exists)) return returnOld ? old : null
  ctx.ks.put(key, { kind: "string", value: arg(args, 1) }, keepTtl)
  if (deadline !== undefined) ctx.ks.setExpiry(key, deadline)
  return returnOld ? old : OK
}

/** SETEX/PSETEX: SET with a mandatory positive TTL, named in its own error message. */
const setWithTtl = (ctx: CommandContext, args: ReadonlyArray<string>, unit: "EX" | "PX", name: string): Reply => {
  if (parseInteger(arg(args, 1)) <= 0) throw new CommandError(`ERR invalid expire time in '${name}' command`)
  return set(ctx, [arg(args, 0), arg(args, 2), unit, arg(args, 1)])
}

const incrementBy = (ctx: CommandContext, key: string, delta: string): Reply => {
  const current = ctx.ks.str(key)
  if (current !== undefined && !isInteger(current)) throw notInteger()
  const next = addInt64(current ?? "0", delta)
  ctx.ks.put(key, { kind: "string", value: next }, true)
  return new Int64Reply(next)
}

export const stringCommands: CommandTable = {
  get: { arity: 2, run: (ctx, args) => ctx.ks.str(arg(args, 0)) ?? null },
  set: { arity: -3, write: true, run: set },
  getdel: {
    arity: 2,
    write: true,
    run: (ctx, args) => {
      const value = ctx.ks.str(arg(args, 0))
      if (value !== undefined) ctx.ks.delete(arg(args, 0))
      return value ?? null
    }
  },
  mget: {
    arity: -2,
    run: (ctx, args) =>
      args.map((key) => {
        const value = ctx.ks.get(key)
        return value?.kind === "string" ? value.value : null
      })
  },
  mset: {
    arity: -3,
    write: true,
    run: (ctx, args) => {
      if (args.length % 2 !== 0) throw new CommandError("ERR wrong number of arguments for 'mset' command")
      for (let i = 0; i < args.length; i += 2) ctx.ks.put(arg(args, i), { kind: "string", value: arg(args, i + 1) })
      return OK
    }
  },
  setnx: {
    arity: 3,
    write: true,
    run: (ctx, args) => (set(ctx, [arg(args, 0), arg(args, 1), "NX"]) === null ? 0 : 1)
  },
  setex: {
    arity: 4,
    write: true,
    run: (ctx, args) => setWithTtl(ctx, args, "EX", "setex")
  },
  psetex: {
    arity: 4,
    write: true,
    run: (ctx, args) => setWithTtl(ctx, args, "PX", "psetex")
  },
  getset: { arity: 3, write: true, run: (ctx, args) => set(ctx, [arg(args, 0), arg(args, 1), "GET"]) },
  append: {
    arity: 3,
    write: true,
    run: (ctx, args) => {
      const value = (ctx.ks.str(arg(args, 0)) ?? "") + arg(args, 1)
      ctx.ks.put(arg(args, 0), { kind: "string", value }, true)
      return new TextEncoder().encode(value).length
    }
  },
  strlen: { arity: 2, run: (ctx, args) => new TextEncoder().encode(ctx.ks.str(arg(args, 0)) ?? "").length },
  incr: { arity: 2, write: true, run: (ctx, args) => incrementBy(ctx, arg(args, 0), "1") },
  decr: { arity: 2, write: true, run: (ctx, args) => incrementBy(ctx, arg(args, 0), "-1") },
  incrby: { arity: 3, write: true, run: (ctx, args) => incrementBy(ctx, arg(args, 0), int64Text(arg(args, 1))) },
  decrby: {
    arity: 3,
    write: true,
    run: (ctx, args) => incrementBy(ctx, arg(args, 0), (-BigInt(int64Text(arg(args, 1)))).toString())
  }
}
