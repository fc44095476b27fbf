/**
 * The in-memory Redis: one keyspace, the command table, pub/sub fan-out and the wake-ups
 * for blocked callers. Everything here is synchronous; MemoryClient wraps it in Effects.
 */
import type { CommandContext, CommandSpec, CommandTable, ScriptHost } from "./command.js"
import { hashCommands } from "./hashes.js"
import { Keyspace } from "./Keyspace.js"
import { keyCommands } from "./keys.js"
import { listCommands } from "./lists.js"
import { scriptingCommands } from "./scripting.js"
import { setCommands } from "./sets.js"
import { sortedSetCommands } from "./sortedSets.js"
import { lexCommands } from "./sortedSetsLex.js"
import { streamCommands } from "./streams.js"
import { stringCommands } from "./strings.js"
import { CommandError, type Reply, WouldBlock } from "./types.js"
import { Waiters } from "./Waiters.js"

const commands: CommandTable = {
  ...keyCommands,
  ...stringCommands,
  ...hashCommands,
  ...listCommands,
  ...setCommands,
  ...sortedSetCommands,
  ...lexCommands,
  ...streamCommands,
  ...scriptingCommands
}

// Expired keys examined per command, so unread expired keys do not pile up.
const SWEEP_BUDGET = 8

/** What one command gives back: a reply, Redis's error text, or a request to wait. */
export type Outcome =
  | { readonly _tag: "Reply"; readonly reply: Reply }
  | { readonly _tag: "Error"; readonly message: string }
  | { readonly _tag: "Blocked"; readonly block: WouldBlock }

export class Engine {
  readonly ks = new Keyspace()
  private readonly channels = new Map<string, Set<(message: string) => void>>()
  private readonly waiters = new Waiters()
  private readonly context: CommandContext
  private readonly scriptContext: CommandContext

  constructor(makeScripts: (runInScript: (args: ReadonlyArray<string>) => Reply | CommandError) => ScriptHost) {
    const scripts = makeScripts((args) => this.runInScript(args))
    const publish = (channel: string, message: string) => this.publish(channel, message)
    this.context = { ks: this.ks, publish, scripts, inScript: false }
    this.scriptContext = { ks: this.ks, publish, scripts, inScript: true }
  }

  private lookup(command: string, args: ReadonlyArray<string>, inScript: boolean): CommandSpec {
    const name = command.toLowerCase()
    const spec = Object.hasOwn(commands, name) ? commands[name] : undefined
    if (spec === undefined) {
      if (inScript) throw new CommandError("ERR Unknown Redis command called from script")
      const shown = args.slice(0, 20).map((a) => `'${a}' `).join("")
      throw new CommandError(`ERR unknown command '${command}', with args beginning with: ${shown}`)
    }
    const count = args.length + 1
    if (spec.arity > 0 ? count !== spec.arity : count < -spec.arity) {
      if (inScript) throw new CommandError("ERR Wrong number of args calling Redis command from script")
      throw new CommandError(`ERR wrong number of arguments for '${name}' command`)
    }
    if (inScript && spec.noScript) throw new CommandError("ERR This Redis command is not allowed from script")
    return spec
  }

  private dispatch(command: string, args: ReadonlyArray<string>, inScript: boolean): Reply | WouldBlock {
    const spec = this.lookup(command, args, inScript)
    return spec.run(inScript ? this.scriptContext : this.context, args)
  }

  /**
   * Runs one command from a client. A write (even a failed script's) wakes callers blocked on
   * the keys it touched; a blocking command that found nothing changed nothing and wakes no one
   * (else two blocked callers would wake each other forever).
   */
  execute(command: string, args: ReadonlyArray<string>): Outcome {
    this.ks.sweep(SWEEP_BUDGET)
    const outer = this.ks.startTracking()
    let outcome: Outcome | undefined
    try {
      const result = this.dispatch(command, args, false)
      outcome = result instanceof WouldBlock ? { _tag: "Blocked", block: result } : { _tag: "Reply", reply: result }
    } catch (error) {
      if (!(error instanceof CommandError)) throw error
      outcome = { _tag: "Error", message: error.message }
    } finally {
      const touched = this.ks.stopTracking(outer)
      const name = command.toLowerCase()
      const write = Object.hasOwn(commands, name) && commands[name]?.write === true
      if (write && outcome?._tag !== "Blocked") this.waiters.touched(touched)
    }
    return outcome
  }

  /** `redis.call` from a script: never blocks (a blocking command acts as if it timed out). */
  private runInScript(args: ReadonlyArray<string>): Reply | CommandError {
    try {
      const result = this.dispatch(args[0] ?? "", args.slice(1), true)
      return result instanceof WouldBlock ? null : result
    } catch (error) {
      if (error instanceof CommandError) return error
      throw error
    }
  }

  publish(channel: string, message: string): number {
    const receivers = this.channels.get(channel)
    if (receivers === undefined) return 0
    for (const deliver of receivers) deliver(message)
    return receivers.size
  }

  /** Registers a subscriber; the returned function unsubscribes. */
  subscribe(channel: string, deliver: (message: string) => void): () => void {
    const receivers = this.channels.get(channel) ?? new Set()
    receivers.add(deliver)
    this.channels.set(channel, receivers)
    return () => {
      receivers.delete(deliver)
      if (receivers.size === 0 && this.channels.get(channel) === receivers) this.channels.delete(channel)
    }
  }

  /** Calls `retry` (inside the writer's command) when a write touches one of `keys`, until it returns true. */
  onWrite(keys: ReadonlyArray<string>, retry: () => boolean): () => void {
    return this.waiters.add(keys, retry)
  }
}
