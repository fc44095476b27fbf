import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { Effect } from "effect"
import { RedisError } from "./RedisError.js"
import type { RedisReply } from "./RedisReply.js"

/**
 * A Lua script kept in its own `.lua` file beside the service that uses it.
 * The SHA1 is computed locally so calls go straight to EVALSHA; a NOSCRIPT reply
 * (after a Redis restart or SCRIPT FLUSH) loads the source once and retries.
 */
export interface LuaScript {
  readonly name: string
  readonly lua: string
  readonly sha: string
  readonly numberOfKeys: number
}

/** Loads `lua/<name>-<numberOfKeys>.lua` relative to `base` (the caller's `import.meta.url`). */
export const loadLuaScript = (base: string, fileName: string): LuaScript => {
  const match = /^([A-Za-z]+)-(\d+)\.lua$/.exec(fileName)
  if (match === null || match[1] === undefined || match[2] === undefined) {
    throw new Error(`Lua script file names are <name>-<numberOfKeys>.lua, got ${fileName}`)
  }
  // `--@include name.lua` pulls in a shared fragment from lua/includes/, so helpers are not copy-pasted.
  const lua = readFileSync(new URL(`./lua/${fileName}`, base), "utf8").replace(
    /^--@include ([\w.-]+)$/gm,
    (_line, include: string) => readFileSync(new URL(`./lua/includes/${include}`, base), "utf8")
  )
  return {
    name: match[1],
    lua,
    sha: createHash("sha1").update(lua).digest("hex"),
    numberOfKeys: Number(match[2])
  }
}

/**
 * Runs a script by SHA over any client's `send`; a NOSCRIPT reply (after a restart or SCRIPT FLUSH)
 * loads the source once and runs it again. Both Redis layers call scripts through this.
 */
export const evalScriptWith = (send: (command: string, ...args: ReadonlyArray<string>) => Effect.Effect<RedisReply, RedisError>) =>
(script: LuaScript, keys: ReadonlyArray<string>, args: ReadonlyArray<string>): Effect.Effect<RedisReply, RedisError> =>
  send("EVALSHA", script.sha, String(keys.length), ...keys, ...args).pipe(
    Effect.catchIf(
      (error) => error.message.includes("NOSCRIPT"),
      () => send("SCRIPT", "LOAD", script.lua).pipe(Effect.andThen(send("EVALSHA", script.sha, String(keys.length), ...keys, ...args)))
    ),
    Effect.mapError((error) => new RedisError({ op: `script ${script.name}`, message: error.message }))
  )
