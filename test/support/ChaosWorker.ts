/**
 * A worker process for the fault tests: one qr-domain worker running `chaosJob` on the
 * runtime from the environment (REDIS_URL, JOBS_*). Prints "ready" once it is claiming.
 * Usage: ChaosWorker <concurrency>
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger } from "effect"
import { runtimeLayerConfig } from "../../src/runtime/RuntimeLayer.js"
import { startWorker } from "../../src/runtime/Worker.js"
import { chaosJob } from "./ChaosJob.js"

const concurrency = Number(process.argv[2] ?? "8")

const main = Effect.gen(function*() {
  yield* startWorker(chaosJob, { concurrency, graceMs: 200, idleWaitMs: 200 })
  yield* Effect.sync(() => process.stdout.write("ready\n"))
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(Layer.merge(runtimeLayerConfig, Logger.layer([Logger.consoleLogFmt]))))

NodeRuntime.runMain(main)
