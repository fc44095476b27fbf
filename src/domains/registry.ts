/**
 * Every domain's job, by domain name. The CLI starts workers and validates payloads from
 * here; each domain's own code lives in its folder.
 */
import { Effect, type Scope } from "effect"
import { ContractError } from "../contracts/ContractError.js"
import type { JobDomain } from "../contracts/JobDomain.js"
import type { JobDefinition, JobSpec } from "../runtime/JobDefinition.js"
import type { MetricsEmitter } from "../runtime/MetricsEmitter.js"
import type { ResultStore } from "../runtime/ResultStore.js"
import type { RuntimeServices } from "../runtime/RuntimeLayer.js"
import { startWorker, type WorkerHandle, type WorkerOptions } from "../runtime/Worker.js"
import { catalogJob } from "./catalog/job.js"
import { covenantJob } from "./covenant/job.js"
import { databankJob } from "./databank/job.js"
import { digitsJob } from "./digits/job.js"
import { musicWrappedJob } from "./music_wrapped/job.js"
import { qrJob } from "./qr/job.js"
import { trainerJob } from "./trainer/job.js"
import { transcriptJob } from "./transcript/job.js"
import { turkicJob } from "./turkic/job.js"

/** Services a domain's job may use beside JobContext. */
export type DomainServices = ResultStore | MetricsEmitter

/** A job of this repository: its spec (domain and payload check) and a way to start its worker. */
export interface RegisteredJob extends JobSpec {
  readonly startWorker: (options: WorkerOptions) => Effect.Effect<WorkerHandle, never, RuntimeServices | DomainServices | Scope.Scope>
}

const register = <P, R extends DomainServices>(definition: JobDefinition<P, R>): RegisteredJob => ({
  domain: definition.domain,
  validatePayload: definition.validatePayload,
  startWorker: (options) => startWorker(definition, options)
})

export const registeredJobs: ReadonlyArray<RegisteredJob> = [
  register(qrJob),
  register(turkicJob),
  register(transcriptJob),
  register(covenantJob),
  register(musicWrappedJob),
  register(catalogJob),
  register(databankJob),
  register(digitsJob),
  register(trainerJob)
]

export const findJob = (domain: JobDomain): Effect.Effect<RegisteredJob, ContractError> => {
  const job = registeredJobs.find((r) => r.domain === domain)
  return job === undefined
    ? Effect.fail(new ContractError({
      contract: "JobDomain",
      message: `domain "${domain}" has no job yet; domains with jobs: ${registeredJobs.map((r) => r.domain).join(", ")}`
    }))
    : Effect.succeed(job)
}

/** Domains that have a job registered. */
export const registeredDomains = (): ReadonlyArray<JobDomain> => registeredJobs.map((r) => r.domain)
