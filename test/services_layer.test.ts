/**
 * The process composition (src/services/ServicesLayer.ts) end to end: JobService and TaskService over a
 * migrated database, with the outbox publisher and both cross-service subscriptions running, so a
 * change in one service reaches the other through Redis. Embedded PGlite with the in-memory runtime,
 * and a real PostgreSQL with a real redis-server.
 */
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Schedule } from "effect"
import { jobsLayerMemory } from "../src/runtime/JobsLayer.js"
import { Producer } from "../src/runtime/Producer.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../src/runtime/RuntimeLayer.js"
import type { Actor } from "../src/services/Actor.js"
import { JobService } from "../src/services/jobs/JobService.js"
import * as ServicesLayer from "../src/services/ServicesLayer.js"
import { TaskService } from "../src/services/tasks/TaskService.js"
import * as Database from "../src/sql/Database.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"
import { RedisServer, redisClientOnServer } from "./support/RedisServer.js"

let nextUser = 6_917_529_027_641_081_857n // 2^62 + 2^61 + 1: past 2^53, apart from other suites' ids
const freshActor = (): Actor => ({ userId: (nextUser += 1n), roles: ["user"] })

const eventually = <A extends { readonly status: string }, E, R>(read: Effect.Effect<A, E, R>, ok: (value: A) => boolean) =>
  read.pipe(
    Effect.flatMap((value) => ok(value) ? Effect.succeed(value) : Effect.fail(`still ${value.status}`)),
    Effect.retry(Schedule.spaced(Duration.millis(50)).pipe(Schedule.upTo({ duration: Duration.seconds(20) })))
  )

const options: ServicesLayer.ServicesOptions = { domains: ["svc_layer"] }

const servicesSuite = <E, R>(name: string, services: Layer.Layer<JobService | TaskService, E, R>, below: Layer.Layer<R, unknown>) =>
  layer(services.pipe(Layer.provide(below), Layer.orDie), { excludeTestServices: true, timeout: "90 seconds" })(`ServicesLayer on ${name}`, (it) => {
    it.effect("cancelling a task cancels its linked pending job through tasks:bus", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const tasks = yield* TaskService
        const owner = freshActor()
        const job = yield* jobs.create(owner, { domain: "svc_layer", name: "linked" })
        const task = yield* tasks.create(owner, { title: "plan", job_ids: [job.id] })
        yield* tasks.cancel(owner, task.id, "plan changed")
        const cancelled = yield* eventually(jobs.get(owner, job.id), (found) => found.status === "cancelled")
        assert.strictEqual(cancelled.status, "cancelled")
      }))

    it.effect("a linked job that starts running moves its open task to in_progress through jobs:bus", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const tasks = yield* TaskService
        const owner = freshActor()
        const job = yield* jobs.create(owner, { domain: "svc_layer", name: "to run" })
        const task = yield* tasks.create(owner, { title: "watch it", job_ids: [job.id] })
        assert.strictEqual(task.status, "open")
        yield* jobs.start(owner, job.id)
        const moved = yield* eventually(tasks.get(owner, task.id), (found) => found.status === "in_progress")
        assert.strictEqual(moved.status, "in_progress")
      }))
  })

servicesSuite(
  "embedded PGlite and the in-memory runtime",
  ServicesLayer.layerOn(Database.layerEmbedded(), options),
  jobsLayerMemory()
)

const runtimeOnServer = Producer.layer.pipe(
  Layer.provideMerge(runtimeLayer(redisClientOnServer.pipe(Layer.provide(RedisServer.layer())), RuntimeConfig.layerWith({})))
)

servicesSuite(
  "PostgreSQL and redis-server",
  ServicesLayer.layerOn(sqlClientOnServer, options),
  Layer.mergeAll(runtimeOnServer, PostgresServer.layer())
)
