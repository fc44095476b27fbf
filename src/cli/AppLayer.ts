/**
 * Everything a CLI command may need: the runtime over REDIS_URL (or in-memory), a producer that
 * checks the payloads of this repository's domains, the result store and the metrics emitter.
 */
import { registeredJobs } from "../domains/registry.js"
import { jobsLayerConfig } from "../runtime/JobsLayer.js"

export const appLayer = jobsLayerConfig({ jobs: registeredJobs })
