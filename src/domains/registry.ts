/**
 * Every domain's job, by domain name. The CLI starts workers and validates payloads from
 * here; each domain's own code lives in its folder.
 */
import { Effect, type Scope } from "effect"
import { ContractError } from "../contracts/ContractError.js"
import type { JobDomain } from "../contracts/JobDomain.js"
import type { JobDefinition } from "../runtime/JobDefinition.js"
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

export interface RegisteredJob {
  readonly domain: JobDomain
  /** Checks a payload against the domain's schema before it is enqueued. */
  readonly validatePayload: (payload: unknown) => Effect.Effect<void, ContractError>
  readonly startWorker: (options: WorkerOptions) => Effect.Effect<WorkerHandle, never, RuntimeServices | DomainServices | Scope.Scope>
}

const register = <P, R extends DomainServices>(definition: JobDefinition<P, R>): RegisteredJob => ({
  domain: definition.domain,
  validatePayload: (payload) => Effect.asVoid(definition.validatePayload(payload)),
  startWorker: (options) => startWorker(definition, options)
})

const registered: ReadonlyArray<RegisteredJob> = [
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
  const job = registered.find((r) => r.domain === domain)
  return job === undefined
    ? Effect.fail(new ContractError({
      contract: "JobDomain",
      message: `domain "${domain}" has no job yet; domains with jobs: ${registered.map((r) => r.domain).join(", ")}`
    }))
    : Effect.succeed(job)
}

/** Domains that have a job registered. */
export const registeredDomains = (): ReadonlyArray<JobDomain> => registered.map((r) => r.domain)
