/** List commands, including the blocking BLPOP/BRPOP/BLMOVE/BRPOPLPUSH. Empty lists disappear. */
import { arg, normaliseRange, parseInteger, parseTimeout, reversed, upper } from "./args.js"
import type { CommandContext, CommandTable } from "./command.js"
import { CommandError, OK, type Reply, syntaxError, WouldBlock } from "./types.js"

type End = "LEFT" | "RIGHT"

const parseEnd = (text: string | undefined): End => {
  const end = upper(text)
  if (end !== "LEFT" && end !== "RIGHT") throw syntaxError()
  return end
}

const push = (end: End, onlyExisting: boolean) => (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const key = arg(args, 0)
  if (onlyExisting && ctx.ks.list(key) === undefined) return 0
  const list = ctx.ks.listOrCreate(key)
  for (const value of args.slice(1)) {
    if (end === "LEFT") list.pushFront(value)
    else list.pushBack(value)
  }
  return list.length
}

const popFrom = (ctx: CommandContext, key: string, end: End, count: number): Array<string> => {
  const list = ctx.ks.list(key)
  if (list === undefined) return []
  const taken: Array<string> = []
  for (let i = 0; i < count; i++) {
    const value = end === "LEFT" ? list.popFront() : list.popBack()
    if (value === undefined) break
    taken.push(value)
  }
  ctx.ks.dropIfEmpty(key)
  return taken
}

const pop = (end: End) => (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const key = arg(args, 0)
  if (args.length > 2) throw new CommandError(`ERR wrong number of arguments for '${end === "LEFT" ? "lpop" : "rpop"}' command`)
  if (args.length === 1) return popFrom(ctx, key, end, 1)[0] ?? null
  const count = parseInteger(arg(args, 1), () => new CommandError("ERR value is out of range, must be positive"))
  if (count < 0) throw new CommandError("ERR value is out of range, must be positive")
  return ctx.ks.list(key) === undefined ? null : popFrom(ctx, key, end, count)
}

/** LMOVE: pops from one end of `source` and pushes to one end of `destination` (may be the same list). */
const move = (ctx: CommandContext, source: string, destination: string, from: End, to: End): string | null => {
  const list = ctx.ks.list(source)
  if (list === undefined) return null
  ctx.ks.list(destination) // WRONGTYPE on the destination before anything moves
  const value = from === "LEFT" ? list.popFront() : list.popBack()
  if (value === undefined) return null
  const target = ctx.ks.listOrCreate(destination)
  if (to === "LEFT") target.pushFront(value)
  else target.pushBack(value)
  ctx.ks.dropIfEmpty(source)
  return value
}

const blockingPop = (end: End) => (ctx: CommandContext, args: ReadonlyArray<string>): Reply | WouldBlock => {
  const keys = args.slice(0, -1)
  const deadline = parseTimeout(arg(args, args.length - 1))
  for (const key of keys) {
    const value = popFrom(ctx, key, end, 1)[0]
    if (value !== undefined) return [key, value]
  }
  return new WouldBlock(keys, deadline, args)
}

const blockingMove = (
  ctx: CommandContext,
  args: ReadonlyArray<string>,
  from: End,
  to: End,
  timeout: string
): Reply | WouldBlock => {
  const deadline = parseTimeout(timeout)
  const moved = move(ctx, arg(args, 0), arg(args, 1), from, to)
  return moved ?? new WouldBlock([arg(args, 0)], deadline, args)
}

export const listCommands: CommandTable = {
  lpush: { arity: -3, write: true, run: push("LEFT", false) },
  rpush: { arity: -3, write: true, run: push("RIGHT", false) },
  lpushx: { arity: -3, write: true, run: push("LEFT", true) },
  rpushx: { arity: -3, write: true, run: push("RIGHT", true) },
  lpop: { arity: -2, write: true, run: pop("LEFT") },
  rpop: { arity: -2, write: true, run: pop("RIGHT") },
  llen: { arity: 2, run: (ctx, args) => ctx.ks.list(arg(args, 0))?.length ?? 0 },
  lrange: {
    arity: 4,
    run: (ctx, args) => {
      const list = ctx.ks.list(arg(args, 0))
      const range = normaliseRange(parseInteger(arg(args, 1)), parseInteger(arg(args, 2)), list?.length ?? 0)
      return range === undefined || list === undefined ? [] : list.slice(range[0], range[1])
    }
  },
  lindex: {
    arity: 3,
    run: (ctx, args) => {
      const list = ctx.ks.list(arg(args, 0))
      const index = parseInteger(arg(args, 1))
      if (list === undefined) return null
      const position = index < 0 ? list.length + index : index
      return position < 0 ? null : list.at(position) ?? null
    }
  },
  lset: {
    arity: 4,
    write: true,
    run: (ctx, args) => {
      const list = ctx.ks.list(arg(args, 0))
      if (list === undefined) throw new CommandError("ERR no such key")
      const raw = parseInteger(arg(args, 1))
      const index = raw < 0 ? list.length + raw : raw
      if (index < 0 || index >= list.length) throw new CommandError("ERR index out of range")
      list.set(index, arg(args, 2))
      return OK
    }
  },
  ltrim: {
    arity: 4,
    write: true,
    run: (ctx, args) => {
      const key = arg(args, 0)
      const list = ctx.ks.list(key)
      const start = parseInteger(arg(args, 1))
      const stop = parseInteger(arg(args, 2))
      if (list !== undefined) {
        const range = normaliseRange(start, stop, list.length)
        list.replaceAll(range === undefined ? [] : list.slice(range[0], range[1]))
        ctx.ks.dropIfEmpty(key)
      }
      return OK
    }
  },
  lrem: {
    arity: 4,
    write: true,
    run: (ctx, args) => {
      const key = arg(args, 0)
      const count = parseInteger(arg(args, 1))
      const list = ctx.ks.list(key)
      if (list === undefined) return 0
      const limit = count === 0 ? Infinity : Math.abs(count)
      const items = count >= 0 ? list.toArray() : reversed(list.toArray())
      const kept: Array<string> = []
      let removed = 0
      for (const item of items) {
        if (item === arg(args, 2) && removed < limit) removed++
        else kept.push(item)
      }
      if (removed > 0) list.replaceAll(count >= 0 ? kept : reversed(kept))
      ctx.ks.dropIfEmpty(key)
      return removed
    }
  },
  lmove: {
    arity: 5,
    write: true,
    run: (ctx, args) => move(ctx, arg(args, 0), arg(args, 1), parseEnd(args[2]), parseEnd(args[3]))
  },
  rpoplpush: { arity: 3, write: true, run: (ctx, args) => move(ctx, arg(args, 0), arg(args, 1), "RIGHT", "LEFT") },
  blmove: {
    arity: 6,
    write: true,
    noScript: true,
    run: (ctx, args) => blockingMove(ctx, args, parseEnd(args[2]), parseEnd(args[3]), arg(args, 4))
  },
  brpoplpush: {
    arity: 4,
    write: true,
    noScript: true,
    run: (ctx, args) => blockingMove(ctx, args, "RIGHT", "LEFT", arg(args, 2))
  },
  blpop: { arity: -3, write: true, noScript: true, run: blockingPop("LEFT") },
  brpop: { arity: -3, write: true, noScript: true, run: blockingPop("RIGHT") }
}
