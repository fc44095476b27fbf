/**
 * One Redis command suite for every RedisClient layer: the in-memory twin must give the
 * replies and errors real redis-server 7.0 gives. Families live in ./redis/.
 */
import { layer } from "@effect/vitest"
import type { Layer } from "effect"
import type { RedisClient } from "../../src/redis/RedisClient.js"
import { blocking } from "./redis/blocking.js"
import { collections } from "./redis/collections.js"
import { keysAndStrings } from "./redis/keysAndStrings.js"
import { lua } from "./redis/lua.js"
import { luaShebang } from "./redis/luaShebang.js"
import { sortedSets } from "./redis/sortedSets.js"
import { streams } from "./redis/streams.js"

export const redisCommandsSuite = (name: string, redisLayer: Layer.Layer<RedisClient>) =>
  layer(redisLayer, { excludeTestServices: true, timeout: "60 seconds" })(name, (it) => {
    keysAndStrings(it)
    collections(it)
    sortedSets(it)
    streams(it)
    lua(it)
    luaShebang(it)
    blocking(it)
  })
