/** Stream commands: XADD (MAXLEN/MINID trimming), XRANGE, XREVRANGE, XLEN, XTRIM, XDEL, XREAD (BLOCK). */
import { arg, parseInteger, reversed, upper } from "./args.js"
import type { CommandContext, CommandTable } from "./command.js"
import { compareIds, formatId, invalidId, MAX_SEQ, nextId, parseId, type Stream, type StreamEntry, type StreamId } from "./Stream.js"
import { CommandError, type Reply, syntaxError, WouldBlock } from "./types.js"

const entryReply = (entry: StreamEntry): Reply => [formatId(entry.id), [...entry.fields]]

/** Parses `MAXLEN|MINID [=|~] threshold [LIMIT n]` at `index`; returns the trim and the next index. */
const parseTrim = (args: ReadonlyArray<string>, index: number): { trim: (stream: Stream) => number; next: number } => {
  const strategy = upper(args[index])
  let i = index + 1
  if (args[i] === "=" || args[i] === "~") i++
  const threshold = arg(args, i++)
  if (upper(args[i]) === "LIMIT") i += 2
  if (strategy === "MAXLEN") {
    const maxLen = parseInteger(threshold)
    if (maxLen < 0) throw new CommandError("ERR The MAXLEN argument must be >= 0.")
    return { trim: (stream) => stream.trimTo(maxLen), next: i }
  }
  const minId = parseId(threshold, 0)
  return { trim: (stream) => stream.trimTo(stream.entries.length - stream.lowerBound(minId)), next: i }
}

const xadd = (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const key = arg(args, 0)
  let i = 1
  let makeStream = true
  let trim: ((stream: Stream) => number) | undefined
  for (;;) {
    const option = upper(args[i])
    if (option === "NOMKSTREAM") {
      makeStream = false
      i++
    }
    else if (option === "MAXLEN" || option === "MINID") ({ trim, next: i } = parseTrim(args, i))
    else break
  }
  const idText = arg(args, i)
  // The id's syntax is checked before the field count and the key, as Redis does.
  const autoSeqMs = idText.endsWith("-*") ? parseId(idText.slice(0, -2), 0).ms : undefined
  const explicit = idText === "*" || autoSeqMs !== undefined ? undefined : parseId(idText, 0)
  const fields = args.slice(i + 1)
  if (fields.length === 0 || fields.length % 2 !== 0) throw new CommandError("ERR wrong number of arguments for 'xadd' command")
  if (explicit !== undefined && explicit.ms === 0 && explicit.seq === 0) {
    throw new CommandError("ERR The ID specified in XADD must be greater than 0-0")
  }
  const existing = ctx.ks.stream(key)
  if (existing === undefined && !makeStream) return null
  const lastId = existing?.lastId ?? { ms: 0, seq: 0 }
  let id: StreamId
  if (explicit === undefined) id = nextId(lastId, autoSeqMs)
  else {
    id = explicit
    if (compareIds(id, lastId) <= 0) {
      throw new CommandError("ERR The ID specified in XADD is equal or smaller than the target stream top item")
    }
  }
  const stream = existing ?? ctx.ks.streamOrCreate(key)
  stream.entries.push({ id, fields })
  stream.lastId = id
  trim?.(stream)
  return formatId(id)
}

/** A range bound: `-`/`+`, a full or partial id, or `(id` (exclusive, Redis 6.2+). */
const parseRangeId = (text: string, isStart: boolean): StreamId => {
  if (text === "-") return { ms: 0, seq: 0 }
  if (text === "+") return { ms: Number.MAX_SAFE_INTEGER, seq: MAX_SEQ }
  const exclusive = text.startsWith("(")
  const id = parseId(exclusive ? text.slice(1) : text, isStart ? 0 : MAX_SEQ)
  if (!exclusive) return id
  if (isStart) return id.seq === MAX_SEQ ? { ms: id.ms + 1, seq: 0 } : { ms: id.ms, seq: id.seq + 1 }
  if (id.seq === 0 && id.ms === 0) throw invalidId()
  return id.seq === 0 ? { ms: id.ms - 1, seq: MAX_SEQ } : { ms: id.ms, seq: id.seq - 1 }
}

const range = (reverse: boolean) => (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const [startText, endText] = reverse ? [arg(args, 2), arg(args, 1)] : [arg(args, 1), arg(args, 2)]
  const start = parseRangeId(startText, true)
  const end = parseRangeId(endText, false)
  let count = Infinity
  if (args.length === 5 && upper(args[3]) === "COUNT") count = Math.max(0, parseInteger(arg(args, 4)))
  else if (args.length !== 3) throw syntaxError()
  const stream = ctx.ks.stream(arg(args, 0))
  if (stream === undefined) return []
  if (count === 0) return null // Redis answers a zero (or negative) COUNT with a nil array
  const entries = stream.range(start, end)
  return (reverse ? reversed(entries) : entries).slice(0, count).map(entryReply)
}

const xread = (ctx: CommandContext, args: ReadonlyArray<string>): Reply | WouldBlock => {
  let count = Infinity
  let block: number | undefined
  let i = 0
  for (; i < args.length; i++) {
    const option = upper(args[i])
    if (option === "COUNT") {
      const limit = parseInteger(arg(args, ++i))
      count = limit <= 0 ? Infinity : limit // 0 or less: no limit, as in Redis
    }
    else if (option === "BLOCK") {
      block = parseInteger(arg(args, ++i), () => new CommandError("ERR timeout is not an integer or out of range"))
      if (block < 0) throw new CommandError("ERR timeout is negative")
    } else if (option === "STREAMS") break
    else throw syntaxError()
  }
  if (block !== undefined && ctx.inScript) {
    throw new CommandError("ERR xread command is not allowed with BLOCK option from scripts")
  }
  const rest = args.slice(i + 1)
  if (i >= args.length || rest.length === 0 || rest.length % 2 !== 0) {
    throw new CommandError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
  }
  const keys = rest.slice(0, rest.length / 2)
  const ids = rest.slice(rest.length / 2).map((text, index) =>
    text === "$" ? formatId(ctx.ks.stream(arg(keys, index))?.lastId ?? { ms: 0, seq: 0 }) : text
  )
  const replies: Array<Reply> = []
  keys.forEach((key, index) => {
    const after = parseRangeId(`(${arg(ids, index)}`, true)
    const entries = ctx.ks.stream(key)?.range(after, { ms: Number.MAX_SAFE_INTEGER, seq: MAX_SEQ }) ?? []
    if (entries.length > 0) replies.push([key, entries.slice(0, count).map(entryReply)])
  })
  if (replies.length > 0 || block === undefined) return replies.length > 0 ? replies : null
  return new WouldBlock(keys, block === 0 ? undefined : Date.now() + block, [...args.slice(0, i + 1), ...keys, ...ids])
}

export const streamCommands: CommandTable = {
  xadd: { arity: -5, write: true, run: xadd },
  xrange: { arity: -4, run: range(false) },
  xrevrange: { arity: -4, run: range(true) },
  xlen: { arity: 2, run: (ctx, args) => ctx.ks.stream(arg(args, 0))?.entries.length ?? 0 },
  xtrim: {
    arity: -4,
    write: true,
    run: (ctx, args) => {
      const { trim, next } = parseTrim(args, 1)
      if (next !== args.length) throw syntaxError()
      const stream = ctx.ks.stream(arg(args, 0))
      return stream === undefined ? 0 : trim(stream)
    }
  },
  xdel: {
    arity: -3,
    write: true,
    run: (ctx, args) => {
      const stream = ctx.ks.stream(arg(args, 0))
      if (stream === undefined) return 0
      let removed = 0
      for (const text of args.slice(1)) {
        const id = parseId(text, 0)
        const index = stream.lowerBound(id)
        const entry = stream.entries[index]
        if (entry !== undefined && compareIds(entry.id, id) === 0) {
          stream.entries.splice(index, 1)
          removed++
        }
      }
      return removed
    }
  },
  xread: { arity: -4, run: xread }
}
