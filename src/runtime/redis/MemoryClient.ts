import { Effect } from "effect"
import { RedisError } from "./RedisError.js"

/** Placeholder until the in-memory engine lands. */
export const makeMemoryClient = Effect.die(new RedisError({ op: "memory", message: "in-memory Redis not built yet" }))
