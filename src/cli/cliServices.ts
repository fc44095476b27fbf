/**
 * The JobService and TaskService for the `job` and `task` commands: src/services/ServicesLayer.ts over
 * DATABASE_URL (else the embedded database), without the background fibers (a short-lived command
 * leaves its outbox rows for a serving process's publisher), plus ApiTokens for `--token`. The runtime
 * (Producer, RedisClient, RuntimeConfig) comes from the CLI's appLayer.
 */
import { Effect, Layer, References } from "effect"
import { ApiTokens } from "../services/Actor.js"
import * as ServicesLayer from "../services/ServicesLayer.js"

export const cliServicesLayer = Layer.merge(ServicesLayer.layerConfig({ domains: [], background: false }), ApiTokens.layerConfig)

/**
 * Provides the services to one command (the database is opened only by commands that use it). Info logs
 * (the migration line) are left out: stdout is the command's JSON, for scripts to read.
 */
export const cliServices = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provide(effect, cliServicesLayer).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))
