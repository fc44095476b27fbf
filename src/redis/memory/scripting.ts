/** EVAL, EVALSHA and SCRIPT LOAD/EXISTS/FLUSH over the Lua bridge. */
import { arg, parseInteger, upper } from "./args.js"
import type { CommandContext, CommandTable } from "./command.js"
import { CommandError, OK, type Reply } from "./types.js"

const splitKeys = (args: ReadonlyArray<string>): readonly [ReadonlyArray<string>, ReadonlyArray<string>] => {
  const count = parseInteger(arg(args, 1))
  if (count < 0) throw new CommandError("ERR Number of keys can't be negative")
  if (count > args.length - 2) throw new CommandError("ERR Number of keys can't be greater than number of args")
  return [args.slice(2, 2 + count), args.slice(2 + count)]
}

const script = (ctx: CommandContext, args: ReadonlyArray<string>): Reply => {
  const sub = upper(args[0])
  if (sub === "LOAD" && args.length === 2) return ctx.scripts.load(arg(args, 1))
  if (sub === "EXISTS" && args.length >= 2) return args.slice(1).map((sha) => (ctx.scripts.exists(sha) ? 1 : 0))
  if (sub === "FLUSH" && args.length <= 2) return (ctx.scripts.flush(), OK)
  throw new CommandError(`ERR unknown subcommand or wrong number of arguments for '${arg(args, 0)}'. Try SCRIPT HELP.`)
}

export const scriptingCommands: CommandTable = {
  eval: {
    arity: -3,
    write: true,
    noScript: true,
    run: (ctx, args) => {
      const [keys, argv] = splitKeys(args)
      return ctx.scripts.run(ctx.scripts.load(arg(args, 0)), keys, argv)
    }
  },
  evalsha: {
    arity: -3,
    write: true,
    noScript: true,
    run: (ctx, args) => {
      const [keys, argv] = splitKeys(args)
      return ctx.scripts.run(arg(args, 0), keys, argv)
    }
  },
  script: { arity: -2, noScript: true, run: script }
}
