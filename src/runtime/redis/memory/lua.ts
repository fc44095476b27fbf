/**
 * Runs EVAL scripts in a wasmoon Lua engine (Lua 5.4) with Redis's `redis`/`cjson` libraries
 * and reply conversions (see luaPrelude.ts). Scripts run synchronously, so no other command
 * interleaves: the same atomicity Redis gives.
 */
import { createHash } from "node:crypto"
import { Effect, type Scope } from "effect"
import { LuaFactory, type LuaEngine } from "wasmoon"
import type { ScriptHost } from "./command.js"
import { luaCompat } from "./luaCompat.js"
import { luaPrelude } from "./luaPrelude.js"
import { CommandError, type Reply, StatusReply } from "./types.js"

/** Runs one command for a script; returns the reply or a CommandError (never throws). */
export type ScriptCommandRunner = (args: ReadonlyArray<string>) => Reply | CommandError

// One factory for the process: it compiles the WebAssembly module once; engines are per client.
let factory: LuaFactory | undefined

export const sha1hex = (text: string): string => createHash("sha1").update(text).digest("hex")

/** An error reply returned (not raised) by a script: an error at the top, plain text when nested. */
class ScriptErrorReply extends StatusReply {}

/** Redis reply → the value Lua sees: nil → false, status → {ok=}, error → {err=}. */
const toLua = (reply: Reply | CommandError): unknown => {
  if (reply instanceof CommandError) return { err: reply.message }
  if (reply === null) return false
  if (reply instanceof StatusReply) return { ok: reply.text }
  if (Array.isArray(reply)) return reply.map(toLua)
  return reply
}

const field = (value: unknown, name: string): unknown =>
  typeof value === "object" && value !== null && name in value ? Reflect.get(value, name) : undefined

/** The prelude's `to_reply` shape → a Redis reply. */
const fromLua = (value: unknown): Reply => {
  if (typeof value === "string" || typeof value === "number") return value
  if (typeof value !== "object" || value === null) return null
  const err = field(value, "err")
  if (typeof err === "string") return new ScriptErrorReply(err)
  const ok = field(value, "ok")
  if (typeof ok === "string") return new StatusReply(ok)
  const items = field(value, "a")
  const count = Number(field(value, "n") ?? 0)
  const out: Array<Reply> = []
  for (let i = 0; i < count; i++) out.push(fromLua(Array.isArray(items) ? items[i] : undefined))
  return out
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

export class LuaScripts implements ScriptHost {
  private readonly sources = new Map<string, string>()
  private readonly runScript: (sha: string, keys: ReadonlyArray<string>, args: ReadonlyArray<string>) => unknown
  private readonly loadScript: (sha: string, source: string) => unknown

  constructor(private readonly lua: LuaEngine, runCommand: ScriptCommandRunner) {
    lua.global.set("__bridge_call", (argv: unknown) =>
      toLua(Array.isArray(argv) ? runCommand(argv.map(String)) : new CommandError("ERR bad call")))
    lua.global.set("__bridge_sha1", (text: unknown) => sha1hex(String(text)))
    lua.global.set("__bridge_json_decode", decodeJson)
    lua.doStringSync(luaCompat)
    lua.doStringSync(luaPrelude)
    this.runScript = lua.global.get("__run_script")
    this.loadScript = lua.global.get("__load_script")
  }

  load(source: string): string {
    const sha = sha1hex(source)
    if (this.sources.has(sha)) return sha
    const problem = this.loadScript(sha, source)
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
    const result = this.runScript(id, [...keys], [...args])
    const failed = field(result, "failed")
    if (failed !== undefined) {
      const line = field(failed, "line")
      const where = typeof line === "number" ? `, on @user_script:${line}.` : "."
      throw new CommandError(`${String(field(failed, "err"))} script: ${id}${where}`)
    }
    const reply = fromLua(result)
    if (reply instanceof ScriptErrorReply) throw new CommandError(reply.text)
    return reply
  }
}
