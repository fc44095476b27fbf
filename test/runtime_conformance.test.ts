import { Layer } from "effect"
import { RedisClient } from "../src/redis/RedisClient.js"
import { reliabilitySuite } from "./conformance/reliability.js"
import { runtimeSuite } from "./conformance/runtime.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

// The same suite on the in-memory twin and on a real redis-server (a fresh one per test).
runtimeSuite("in-memory Redis", RedisClient.layerMemory)
runtimeSuite("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())))
reliabilitySuite("in-memory Redis", RedisClient.layerMemory)
reliabilitySuite("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())))
