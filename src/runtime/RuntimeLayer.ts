/** The runtime's services wired together over one Redis connection and one configuration. */
import { Layer } from "effect"
import { EventBus } from "./EventBus.js"
import { JobQueue } from "./JobQueue.js"
import { jobSchedulerLayer } from "./JobScheduler.js"
import { JobStore } from "./JobStore.js"
import { RedisClient } from "../redis/RedisClient.js"
import { RuntimeConfig } from "./RuntimeConfig.js"
import { WorkerRegistry } from "./WorkerRegistry.js"

export type RuntimeServices = RedisClient | RuntimeConfig | JobQueue | JobStore | EventBus | WorkerRegistry

/** Runtime services over a given Redis layer and settings layer. */
export const runtimeLayer = <E1, E2>(
  redis: Layer.Layer<RedisClient, E1>,
  config: Layer.Layer<RuntimeConfig, E2>
): Layer.Layer<RuntimeServices, E1 | E2> =>
  Layer.mergeAll(JobQueue.layer, JobStore.layer, EventBus.layer, WorkerRegistry.layer).pipe(
    Layer.provideMerge(Layer.mergeAll(redis, config, jobSchedulerLayer))
  )

/** From the environment: `REDIS_URL` (unset: in-memory) and the `JOBS_*` settings. */
export const runtimeLayerConfig = runtimeLayer(RedisClient.layerConfig, RuntimeConfig.layer)
