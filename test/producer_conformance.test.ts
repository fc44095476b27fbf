import { Layer } from "effect"
import { RedisClient } from "../src/redis/RedisClient.js"
import { producerSuite } from "./conformance/producer.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

// The same suite on the in-memory twin and on a real redis-server (a fresh one per test).
producerSuite("in-memory Redis", RedisClient.layerMemory)
producerSuite("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())))
