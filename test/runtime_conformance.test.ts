import { Layer } from "effect"
import { runtimeSuite } from "./conformance/runtime.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

// One redis-server for the file; each test flushes it first.
runtimeSuite("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())))
