/**
 * Redis 7 script shebangs (`#!lua flags=...`): the runtime's scripts declare their flags this way
 * (so Redis refuses a writing script under OOM before it starts), and the twin must accept the
 * same text, refuse what Redis refuses, and count the shebang as line 1 in error messages.
 */
import { describe } from "@effect/vitest"
import { createHash } from "node:crypto"
import { Effect } from "effect"
import { expectError, expectReply, flush, type SuiteIt } from "./support.js"

export const luaShebang = (it: SuiteIt) => {
  describe("lua shebang", () => {
    it.effect("#!lua with or without flags runs the script; bad engines, options and flags are refused", () =>
      Effect.gen(function*() {
        yield* flush
        yield* expectReply("OK", "EVAL", "#!lua\nreturn redis.call('SET', KEYS[1], '1')", "1", "shebang")
        yield* expectReply(1, "EVAL", "#!lua flags=allow-oom\nreturn 1", "0")
        yield* expectReply(1, "EVAL", "#!lua  flags=no-writes,allow-oom \nreturn 1", "0")
        yield* expectReply(1, "EVAL", "#!lua flags=\nreturn 1", "0")
        yield* expectError("ERR Unexpected flag in script shebang: bogus", "EVAL", "#!lua flags=bogus\nreturn 1", "0")
        yield* expectError("ERR Unexpected engine in script shebang: #!python", "EVAL", "#!python\nreturn 1", "0")
        yield* expectError("ERR Unknown lua shebang option: foo=bar", "EVAL", "#!lua foo=bar\nreturn 1", "0")
        yield* expectError("ERR Invalid script shebang", "EVAL", "#!lua", "0")
        // The shebang is line 1, as Redis counts it.
        yield* expectError("ERR user_script:3: x", "EVAL", "#!lua\n\nerror('x')", "0")
        // Only at the very start: anywhere else it is Lua, which does not parse.
        yield* expectError("ERR Error compiling script", "EVAL", " #!lua\nreturn 1", "0")
        yield* expectReply("1", "GET", "shebang")
      }))

    it.effect("SCRIPT LOAD of a shebang script answers the SHA1 of the whole text; EVALSHA runs it", () =>
      Effect.gen(function*() {
        const source = "#!lua flags=allow-oom\nreturn ARGV[1]"
        const sha = createHash("sha1").update(source).digest("hex")
        yield* expectReply(sha, "SCRIPT", "LOAD", source)
        yield* expectReply("echo", "EVALSHA", sha, "0", "echo")
      }))
  })
}
