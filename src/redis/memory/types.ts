/**
 * Values and replies of the in-memory Redis engine.
 *
 * Command handlers signal Redis error replies by throwing `CommandError`; the engine
 * catches it at dispatch (and the Lua bridge at `redis.call`), so it never leaves this folder.
 */
import type { Deque } from "./Deque.js"
import type { SortedSet } from "./SortedSet.js"
import type { Stream } from "./Stream.js"

/** A status reply (`+OK`), kept apart from bulk strings because Lua sees it as `{ok=...}`. */
export class StatusReply {
  constructor(readonly text: string) {}
}

/**
 * An integer reply computed in int64 (INCRBY, HINCRBY), kept as its exact digits: Lua sees it
 * as a number, a client through `integerReply` (beyond 2^53 the two round differently).
 */
export class Int64Reply {
  constructor(readonly text: string) {}
}

/**
 * An error reply a script put inside an array. At the top of a script's reply it is the
 * command's error; nested, ioredis cannot decode it, so MemoryClient reports it the same way.
 */
export class NestedErrorReply {
  constructor(readonly message: string) {}
}

export type Reply = string | number | null | StatusReply | Int64Reply | NestedErrorReply | ReadonlyArray<Reply>

export const OK = new StatusReply("OK")

export class CommandError extends Error {}

export const wrongType = () => new CommandError("WRONGTYPE Operation against a key holding the wrong kind of value")
export const syntaxError = () => new CommandError("ERR syntax error")
export const notInteger = () => new CommandError("ERR value is not an integer or out of range")

export type Value =
  | { readonly kind: "string"; value: string }
  | { readonly kind: "hash"; readonly value: Map<string, string> }
  | { readonly kind: "list"; readonly value: Deque }
  | { readonly kind: "set"; readonly value: Set<string> }
  | { readonly kind: "zset"; readonly value: SortedSet }
  | { readonly kind: "stream"; readonly value: Stream }

/**
 * Returned by a blocking command that found nothing: the caller waits until one of `keys`
 * is written (or `deadline`, ms since epoch, passes) and runs `retryArgs` again.
 */
export class WouldBlock {
  constructor(
    readonly keys: ReadonlyArray<string>,
    readonly deadline: number | undefined,
    readonly retryArgs: ReadonlyArray<string>
  ) {}
}
