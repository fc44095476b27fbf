import { Layer } from "effect"
import { RedisClient } from "../src/redis/RedisClient.js"
import { traceContextSuite } from "./conformance/traceContext.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

// The same suite on the in-memory twin and on a real redis-server (a fresh one per test).
traceContextSuite("in-memory Redis", RedisClient.layerMemory)
traceContextSuite("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())))
