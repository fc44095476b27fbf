/**
 * The Job & Task services of one process in ONE layer, over the runtime's layers (Producer, RedisClient,
 * RuntimeConfig: `jobsLayerConfig` / `jobsLayerMemory` from src/runtime/JobsLayer.ts):
 *
 * - the database (`layerConfig`: DATABASE_URL, else the embedded PGlite), migrated before anything else
 *   is built (Layer.provide builds a dependency first, and every other layer here sits above it);
 * - the repositories, the permission checkers, the runtime seam (JobRuntime), the outbox;
 * - JobService and TaskService;
 * - with `background` (the default), the process's long-running fibers: the outbox publisher, the two
 *   cross-service bus subscriptions (./outbox/BusSubscriptions.ts) and the run projection of `domains`
 *   (src/services/jobs/RunProjection.ts).
 *
 * A short-lived command (the CLI's `job`/`task`) passes `background: false`: its outbox rows stay
 * committed and unpublished until a serving process's publisher sends them, which loses nothing.
 * The run projection should run in ONE process per Redis (RunProjection.ts says why); the publisher
 * and the subscriptions are safe in several (advisory lock; consumer groups).
 */
import { Layer } from "effect"
import type { JobDomain } from "../contracts/JobDomain.js"
import type { Producer } from "../runtime/Producer.js"
import type { RedisClient } from "../redis/RedisClient.js"
import type { RuntimeConfig } from "../runtime/RuntimeConfig.js"
import * as Database from "../sql/Database.js"
import * as Migrations from "../sql/Migrations.js"
import { JobRepository } from "./jobs/JobRepository.js"
import { JobRuntime } from "./jobs/JobRuntime.js"
import * as JobServiceLive from "./jobs/JobServiceLive.js"
import { JobPermissions } from "./jobs/permissions.js"
import * as RunProjection from "./jobs/RunProjection.js"
import * as BusSubscriptions from "./outbox/BusSubscriptions.js"
import * as OutboxLive from "./outbox/OutboxLive.js"
import * as OutboxPublisher from "./outbox/OutboxPublisher.js"
import { TaskPermissions } from "./tasks/permissions.js"
import { TaskRepository } from "./tasks/TaskRepository.js"
import * as TaskServiceLive from "./tasks/TaskServiceLive.js"

export interface ServicesOptions {
  /** The domains whose runtime event logs the run projection reads into `job_runs`. */
  readonly domains: ReadonlyArray<JobDomain>
  /** Run the publisher, the bus subscriptions and the projection (default true). */
  readonly background?: boolean
}

/** What the layer needs from the runtime. */
export type RuntimeRequirements = Producer | RedisClient | RuntimeConfig

const background = (options: ServicesOptions) =>
  options.background === false
    ? Layer.empty
    : Layer.mergeAll(
      OutboxPublisher.layer,
      BusSubscriptions.layer,
      RunProjection.layer({ domains: options.domains })
    )

/** The services over a given database layer (migrated when built). */
export const layerOn = <E, R>(database: Layer.Layer<Database.Database, E, R>, options: ServicesOptions) =>
  Layer.mergeAll(JobServiceLive.layer, TaskServiceLive.layerWithoutDependencies, background(options)).pipe(
    Layer.provideMerge(Layer.mergeAll(JobRepository.layer, TaskRepository.layer, JobRuntime.layer, JobPermissions.layer, TaskPermissions.layer)),
    Layer.provideMerge(OutboxLive.layer),
    Layer.provideMerge(Migrations.layer.pipe(Layer.provideMerge(database)))
  )

/** The services over DATABASE_URL (secret), else the embedded database in JOBS_DATA_DIR or in memory. */
export const layerConfig = (options: ServicesOptions) => layerOn(Database.layerConfig, options)
