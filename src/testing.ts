/**
 * Test helpers for projects that write jobs: the in-memory layers. The Redis twin runs the
 * runtime's own Lua scripts and passes the same conformance suites as redis-server, so a test
 * on it exercises the real queue, leases and events.
 */
export { jobsLayerMemory } from "./runtime/JobsLayer.js"
export { RedisClient } from "./redis/RedisClient.js"
export { defaultRuntimeSettings, RuntimeConfig } from "./runtime/RuntimeConfig.js"
export { ResultStore } from "./runtime/ResultStore.js"
