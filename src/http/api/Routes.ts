/**
 * The Job & Task API as router routes: the two groups behind bearer authentication, the OpenAPI document
 * and the docs page. Needs JobService, TaskService and ApiTokens; HttpServer.ts mounts it on `serve`.
 */
import { Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { JobsApi } from "./Api.js"
import { AuthenticationLive } from "./Authentication.js"
import { docsRoutes } from "./Docs.js"
import { jobsGroupLive } from "./JobHandlers.js"
import { tasksGroupLive } from "./TaskHandlers.js"
import { defaultMaxBodyBytes } from "./Wire.js"

export interface ApiRoutesOptions {
  /** Largest request body accepted (413 past it); default 1 MiB + 4 KiB. */
  readonly maxBodyBytes?: number
}

export const apiRoutes = (options: ApiRoutesOptions = {}) => {
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes
  return Layer.mergeAll(HttpApiBuilder.layer(JobsApi), docsRoutes).pipe(
    // The groups read the middleware from their own context when they build their routes.
    Layer.provide(Layer.mergeAll(jobsGroupLive(maxBodyBytes), tasksGroupLive(maxBodyBytes)).pipe(Layer.provideMerge(AuthenticationLive)))
  )
}
