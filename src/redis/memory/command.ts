/** What a command handler sees and how a command family declares its commands. */
import type { Keyspace } from "./Keyspace.js"
import type { Reply, WouldBlock } from "./types.js"

/** Script execution as the EVAL family needs it (implemented by the Lua bridge). */
export interface ScriptHost {
  readonly load: (source: string) => string
  readonly exists: (sha: string) => boolean
  readonly flush: () => void
  readonly run: (sha: string, keys: ReadonlyArray<string>, args: ReadonlyArray<string>) => Reply
}

export interface CommandContext {
  readonly ks: Keyspace
  /** Delivers to every subscriber of the channel; returns how many received it. */
  readonly publish: (channel: string, message: string) => number
  readonly scripts: ScriptHost
  /** True while a Lua script runs: blocking commands must not wait. */
  readonly inScript: boolean
}

export interface CommandSpec {
  /** Redis's arity, counting the command name: n = exactly n, -n = at least n. */
  readonly arity: number
  /** Writes wake blocked callers (BLMOVE, BZPOPMIN, XREAD BLOCK) so they retry. */
  readonly write?: boolean
  /** Rejected inside scripts, as in Redis ("not allowed from script"). */
  readonly noScript?: boolean
  readonly run: (ctx: CommandContext, args: ReadonlyArray<string>) => Reply | WouldBlock
}

export type CommandTable = Readonly<Record<string, CommandSpec>>
