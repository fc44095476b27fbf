/**
 * Runs EVAL scripts in a wasmoon Lua engine (Lua 5.4) with Redis's `redis`/`cjson` libraries
 * and reply conversions (see luaPrelude.ts). Scripts run synchronously, so no other command
 * interleaves: the same atomicity Redis gives.
 */
import { createHash } from "node:crypto"
import { Effect, type Scope } from "effect"
import { decorateFunction, LuaFactory, type LuaEngine, type LuaThread, LuaType } from "wasmoon"
import { formatDouble, integerReply } from "./args.js"
import type { ScriptHost } from "./command.js"
import { luaCompat } from "./luaCompat.js"
import { luaPrelude } from "./luaPrelude.js"
import { CommandError, Int64Reply, NestedErrorReply, type Reply, StatusReply } from "./types.js"

/** Runs one command for a script; returns the reply or a CommandError (never throws). */
export type ScriptCommandRunner = (args: ReadonlyArray<string>) => Reply | CommandError

// One factory for the process: it compiles the WebAssembly module once; engines are per client.
let factory: LuaFactory | undefined

export const sha1hex = (text: string): string => createHash("sha1").update(text).digest("hex")

// wasmoon hands strings to Lua as C strings, which end at the first NUL byte: refuse such
// values instead of silently cutting them short (a known gap of this engine, not of Redis).
const nulError = () => new CommandError("ERR the in-memory Lua engine cannot pass strings containing NUL bytes")
const bytesError = () => new CommandError("ERR the in-memory Lua engine cannot pass strings that are not UTF-8")

/**
 * `redis.call`'s arguments read off the Lua stack: strings as they are, numbers formatted as
 * Redis formats them ("%.17g"); anything else is Redis's argument error. wasmoon reads strings
 * as UTF-8 C strings, so a byte length that does not match betrays a NUL (shorter) or
 * non-UTF-8 bytes (longer): those are refused.
 */
const readCommandArgs = (thread: LuaThread, count: number): Array<string> | CommandError => {
  if (count === 0) return new CommandError("ERR Please specify at least one argument for this redis lib call")
  const args: Array<string> = []
  for (let index = 1; index <= count; index++) {
    const type = thread.lua.lua_type(thread.address, index)
    if (type === LuaType.String) {
      const text = thread.lua.lua_tolstring(thread.address, index, null)
      // Typed as a number, but this wasmoon build returns a bigint.
      const bytes = Number(thread.lua.lua_rawlen(thread.address, index))
      const decoded = Buffer.byteLength(text)
      if (decoded !== bytes) return decoded < bytes ? nulError() : bytesError()
      args.push(text)
    } else if (type === LuaType.Number) {
      args.push(formatDouble(thread.lua.lua_tonumberx(thread.address, index, null)))
    } else {
      return new CommandError("ERR Lua redis lib command arguments must be strings or integers")
    }
  }
  return args
}

const hasNul = (reply: Reply | ReadonlyArray<string>): boolean =>
  typeof reply === "string" ? reply.includes("\0") : Array.isArray(reply) ? reply.some(hasNul) : false

/** Redis reply → the value Lua sees: nil → false, status → {ok=}, error → {err=}. */
const toLua = (reply: Reply | CommandError): unknown => {
  if (reply instanceof CommandError || reply instanceof NestedErrorReply) return { err: reply.message }
  if (reply === null) return false
  if (reply instanceof StatusReply) return { ok: reply.text }
  if (reply instanceof Int64Reply) return Number(reply.text)
  if (Array.isArray(reply)) return reply.map(toLua)
  return reply
}

const field = (value: unknown, name: string): unknown =>
  typeof value === "object" && value !== null && name in value ? Reflect.get(value, name) : undefined

/** Reads one reply from the prelude's tape (see `write_tape`), starting at `position`. */
const readTape = (tape: ReadonlyArray<unknown>, position: number): readonly [Reply, number] => {
  const tag = tape[position]
  const value = tape[position + 1]
  if (tag === "$") return [String(value), position + 2]
  if (tag === ":") return [integerReply(String(value)), position + 2]
  if (tag === "+") return [new StatusReply(String(value)), position + 2]
  if (tag === "-") return [new NestedErrorReply(String(value)), position + 2]
  if (tag === "*") {
    const items: Array<Reply> = []
    let next = position + 2
    for (let i = 0; i < Number(value); i++) {
      const [item, after] = readTape(tape, next)
      items.push(item)
      next = after
    }
    return [items, next]
  }
  return [null, position + 1]
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff

/**
 * Where Redis's cjson would refuse a `\u` escape of a lone UTF-16 surrogate (JSON.parse takes
 * it): the 1-based character of the escape, or undefined.
 */
const loneSurrogateEscape = (text: string): number | undefined => {
  // Each backslash starts an escape of its own, so `\\u` (an escaped backslash) is skipped.
  for (let i = text.indexOf("\\"); i !== -1; i = text.indexOf("\\", i + 2)) {
    if (text[i + 1] !== "u") continue
    const code = parseInt(text.slice(i + 2, i + 6), 16)
    if (isLowSurrogate(code)) return i + 1
    if (code >= 0xd800 && code <= 0xdbff) {
      if (text.slice(i + 6, i + 8) !== "\\u" || !isLowSurrogate(parseInt(text.slice(i + 8, i + 12), 16))) return i + 1
      i += 6
    }
  }
  return undefined
}

const decodeJson = (text: unknown): unknown => {
  const restore = (value: unknown): unknown =>
    value === null
      ? { __json_null: true }
      : Array.isArray(value)
      ? value.map(restore)
      : typeof value === "object"
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restore(v)]))
      : value
  const lone = loneSurrogateEscape(String(text))
  if (lone !== undefined) return { __json_error: `Expected value but found invalid unicode escape code at character ${lone}` }
  try {
    return restore(JSON.parse(String(text)))
  } catch {
    return { __json_error: "Expected value but found invalid token at character 1" }
  }
}

export const makeLuaEngine: Effect.Effect<LuaEngine, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => (factory ??= new LuaFactory()).createEngine({ enableProxy: false, injectObjects: false })),
  (lua) => Effect.sync(() => lua.global.close())
)

const MAX_STACK_ARGS = 16

const shebangFlags = ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]

/**
 * Redis 7's script shebang (`#!lua flags=allow-oom,...`), checked with Redis's errors. The flags
 * are accepted and not enforced (the twin has no maxmemory, replicas or cluster). The line is
 * dropped but its newline kept, so error line numbers match Redis's, which counts it as line 1.
 */
const withoutShebang = (source: string): string => {
  if (!source.startsWith("#!")) return source
  const end = source.indexOf("\n")
  if (end === -1) throw new CommandError("ERR Invalid script shebang")
  const line = source.slice(0, end)
  const [engine, ...options] = line.slice(2).split(" ").filter((part) => part !== "")
  if (engine !== "lua") throw new CommandError(`ERR Unexpected engine in script shebang: ${line}`)
  for (const option of options) {
    if (!option.startsWith("flags=")) throw new CommandError(`ERR Unknown lua shebang option: ${option}`)
    const unknown = option.slice("flags=".length).split(",").find((flag) => flag !== "" && !shebangFlags.includes(flag))
    if (unknown !== undefined) throw new CommandError(`ERR Unexpected flag in script shebang: ${unknown}`)
  }
  return source.slice(end)
}

export class LuaScripts implements ScriptHost {
  private readonly sources = new Map<string, string>()
  private tape: Array<unknown> = []
  private readonly runScript: (sha: string, keyCount: number, ...keysThenArgs: Array<string>) => unknown
  private readonly runScriptTables: (sha: string, keys: Array<string>, args: Array<string>) => unknown
  private readonly loadScript: (sha: string, source: string) => unknown

  constructor(private readonly lua: LuaEngine, runCommand: ScriptCommandRunner) {
    const bridge = (raise: boolean) =>
      decorateFunction((thread: LuaThread, count: number) => {
        const args = readCommandArgs(thread, count)
        const reply = args instanceof CommandError ? args : runCommand(args)
        const checked = reply instanceof CommandError || !hasNul(reply) ? reply : nulError()
        // A thrown plain object reaches Lua as the error value {err=...}, as Redis raises it.
        if (raise && checked instanceof CommandError) throw toLua(checked)
        return toLua(checked)
      }, { receiveThread: true, receiveArgsQuantity: true })
    lua.global.set("__bridge_call", bridge(true))
    lua.global.set("__bridge_pcall", bridge(false))
    lua.global.set("__bridge_sha1", (text: unknown) => sha1hex(String(text)))
    lua.global.set("__bridge_json_decode", decodeJson)
    lua.global.set("__bridge_tape", (...items: Array<unknown>) => {
      for (const item of items) this.tape.push(item)
    })
    lua.doStringSync(luaCompat)
    lua.doStringSync(luaPrelude)
    this.runScript = lua.global.get("__run_script")
    this.runScriptTables = lua.global.get("__run_script_tables")
    this.loadScript = lua.global.get("__load_script")
  }

  load(source: string): string {
    const sha = sha1hex(source)
    if (this.sources.has(sha)) return sha
    const problem = this.loadScript(sha, withoutShebang(source))
    if (typeof problem === "string" && problem !== "") {
      throw new CommandError(`ERR Error compiling script (new function): ${problem}`)
    }
    this.sources.set(sha, source)
    return sha
  }

  exists(sha: string): boolean {
    return this.sources.has(sha.toLowerCase())
  }

  flush(): void {
    this.sources.clear()
    this.lua.doStringSync("__flush_scripts()")
  }

  run(sha: string, keys: ReadonlyArray<string>, args: ReadonlyArray<string>): Reply {
    const id = sha.toLowerCase()
    if (!this.sources.has(id)) throw new CommandError("NOSCRIPT No matching script. Please use EVAL.")
    if (hasNul(keys) || hasNul(args)) throw nulError()
    this.tape = []
    // wasmoon pushes call arguments without growing the Lua stack (20 free slots are
    // guaranteed), so long argument lists travel as two tables instead.
    const result = keys.length + args.length <= MAX_STACK_ARGS
      ? this.runScript(id, keys.length, ...keys, ...args)
      : this.runScriptTables(id, [...keys], [...args])
    const failed = field(result, "failed")
    if (failed !== undefined) {
      const line = field(failed, "line")
      const where = typeof line === "number" ? `, on @user_script:${line}.` : "."
      throw new CommandError(`${String(field(failed, "err"))} script: ${id}${where}`)
    }
    const reply: Reply = typeof result === "string" || typeof result === "number"
      ? result
      : result === true
      ? readTape(this.tape, 0)[0]
      : null
    if (reply instanceof NestedErrorReply) throw new CommandError(reply.message)
    return reply
  }
}
