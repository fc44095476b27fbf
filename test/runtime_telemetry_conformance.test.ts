import { Layer } from "effect"
import { RedisClient } from "../src/redis/RedisClient.js"
import { runtimeTelemetrySuite } from "./conformance/runtimeTelemetry.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

runtimeTelemetrySuite("in-memory Redis", RedisClient.layerMemory)
runtimeTelemetrySuite("redis-server", redisClientOnServer.pipe(Layer.provide(RedisServer.layer())))
