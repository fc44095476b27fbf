import { Layer } from "effect"
import { RedisClient } from "../src/redis/RedisClient.js"
import { userIdsSuite } from "./conformance/userIds.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

// The same suite on the in-memory twin and on a real redis-server.
userIdsSuite("in-memory Redis", RedisClient.layerMemory)
userIdsSuite("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())))
