/** Keyspace and server commands: DEL, EXISTS, TYPE, KEYS, SCAN, expiry, PING, TIME, INFO, FLUSHALL. */
import { arg, globMatch, parseInteger, upper } from "./args.js"
import type { CommandContext, CommandTable } from "./command.js"
import { CommandError, OK, type Reply, StatusReply, syntaxError } from "./types.js"

const deleteKeys = (ctx: CommandContext, keys: ReadonlyArray<string>): number =>
  keys.reduce((count, key) => count + (ctx.ks.delete(key) ? 1 : 0), 0)

/** EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT with the 7.0 NX/XX/GT/LT conditions. */
const expire = (toDeadline: (amount: number) => number) => (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const key = arg(args, 0)
  const deadline = toDeadline(parseInteger(arg(args, 1)))
  const flags = new Set(args.slice(2).map(upper))
  for (const flag of flags) {
    if (!["NX", "XX", "GT", "LT"].includes(flag)) throw new CommandError(`ERR Unsupported option ${flag}`)
  }
  if (flags.has("NX") && (flags.has("XX") || flags.has("GT") || flags.has("LT"))) {
    throw new CommandError("ERR NX and XX, GT or LT options at the same time are not compatible")
  }
  if (flags.has("GT") && flags.has("LT")) throw new CommandError("ERR GT and LT options at the same time are not compatible")
  if (!ctx.ks.has(key)) return 0
  const current = ctx.ks.expiresAt(key)
  if (flags.has("NX") && current !== undefined) return 0
  if (flags.has("XX") && current === undefined) return 0
  if (flags.has("GT") && (current === undefined || deadline <= current)) return 0
  if (flags.has("LT") && current !== undefined && deadline >= current) return 0
  ctx.ks.setExpiry(key, deadline)
  return 1
}

const ttl = (divisor: number) => (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const key = arg(args, 0)
  if (!ctx.ks.has(key)) return -2
  const deadline = ctx.ks.expiresAt(key)
  if (deadline === undefined) return -1
  const remaining = Math.max(0, deadline - Date.now())
  return divisor === 1 ? remaining : Math.round(remaining / divisor)
}

const expireTime = (ctx: CommandContext, key: string, divisor: number): Reply => {
  if (!ctx.ks.has(key)) return -2
  const deadline = ctx.ks.expiresAt(key)
  return deadline === undefined ? -1 : Math.floor(deadline / divisor)
}

const scan = (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const cursor = parseInteger(arg(args, 0), () => new CommandError("ERR invalid cursor"))
  let pattern: string | undefined
  let count = 10
  let type: string | undefined
  for (let i = 1; i < args.length; i += 2) {
    const option = upper(args[i])
    if (i + 1 >= args.length) throw syntaxError()
    if (option === "MATCH") pattern = arg(args, i + 1)
    else if (option === "COUNT") {
      count = parseInteger(arg(args, i + 1))
      if (count < 1) throw syntaxError()
    } else if (option === "TYPE") type = arg(args, i + 1).toLowerCase()
    else throw syntaxError()
  }
  const { keys: page, next } = ctx.ks.scan(cursor, count)
  const selected = page.filter((key) =>
    (pattern === undefined || globMatch(pattern, key)) && (type === undefined || ctx.ks.get(key)?.kind === type)
  )
  return [String(next), selected]
}

const info = (ctx: CommandContext): Reply => {
  const keys = ctx.ks.keys()
  const expiring = keys.filter((key) => ctx.ks.expiresAt(key) !== undefined).length
  return [
    "# Server",
    "redis_version:7.0.15",
    "redis_mode:standalone",
    "engine:in-memory",
    "",
    "# Keyspace",
    ...(keys.length > 0 ? [`db0:keys=${keys.length},expires=${expiring},avg_ttl=0`] : []),
    ""
  ].join("\r\n")
}

export const keyCommands: CommandTable = {
  ping: {
    arity: -1,
    run: (_, args) => {
      if (args.length > 1) throw new CommandError("ERR wrong number of arguments for 'ping' command")
      return args.length === 0 ? new StatusReply("PONG") : arg(args, 0)
    }
  },
  echo: { arity: 2, run: (_, args) => arg(args, 0) },
  time: {
    arity: 1,
    run: () => {
      const micros = BigInt(Date.now()) * 1000n
      return [String(micros / 1_000_000n), String(micros % 1_000_000n)]
    }
  },
  info: { arity: -1, run: info },
  dbsize: { arity: 1, run: (ctx) => ctx.ks.size() },
  flushall: { arity: -1, write: true, run: (ctx) => (ctx.ks.clear(), OK) },
  flushdb: { arity: -1, write: true, run: (ctx) => (ctx.ks.clear(), OK) },
  del: { arity: -2, write: true, run: deleteKeys },
  unlink: { arity: -2, write: true, run: deleteKeys },
  exists: { arity: -2, run: (ctx, args) => args.filter((key) => ctx.ks.has(key)).length },
  type: { arity: 2, run: (ctx, args) => new StatusReply(ctx.ks.get(arg(args, 0))?.kind ?? "none") },
  keys: { arity: 2, run: (ctx, args) => ctx.ks.keys().filter((key) => globMatch(arg(args, 0), key)) },
  scan: { arity: -2, run: scan },
  expire: { arity: -3, write: true, run: expire((seconds) => Date.now() + seconds * 1000) },
  pexpire: { arity: -3, write: true, run: expire((ms) => Date.now() + ms) },
  expireat: { arity: -3, write: true, run: expire((seconds) => seconds * 1000) },
  pexpireat: { arity: -3, write: true, run: expire((ms) => ms) },
  persist: {
    arity: 2,
    write: true,
    run: (ctx, args) => {
      const key = arg(args, 0)
      if (ctx.ks.expiresAt(key) === undefined) return 0
      ctx.ks.setExpiry(key, undefined)
      return 1
    }
  },
  rename: {
    arity: 3,
    write: true,
    run: (ctx, args) => {
      if (!ctx.ks.rename(arg(args, 0), arg(args, 1))) throw new CommandError("ERR no such key")
      return OK
    }
  },
  renamenx: {
    arity: 3,
    write: true,
    run: (ctx, args) => {
      if (!ctx.ks.has(arg(args, 0))) throw new CommandError("ERR no such key")
      if (ctx.ks.has(arg(args, 1))) return 0
      ctx.ks.rename(arg(args, 0), arg(args, 1))
      return 1
    }
  },
  expiretime: { arity: 2, run: (ctx, args) => expireTime(ctx, arg(args, 0), 1000) },
  pexpiretime: { arity: 2, run: (ctx, args) => expireTime(ctx, arg(args, 0), 1) },
  ttl: { arity: 2, run: ttl(1000) },
  pttl: { arity: 2, run: ttl(1) },
  publish: { arity: 3, run: (ctx, args) => ctx.publish(arg(args, 0), arg(args, 1)) }
}
