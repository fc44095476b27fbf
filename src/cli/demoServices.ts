/**
 * The demo's second part: the Job & Task services on PostgreSQL (DATABASE_URL, else the embedded
 * database). It creates a qr job through the JobService as a local admin, starts it (the demo's qr
 * worker runs it), waits for the run projection to record the outcome, and prints the run history.
 */
import { Console, Duration, Effect, Schedule, Schema } from "effect"
import { stringifyWire } from "../contracts/WireJson.js"
import { JobService } from "../services/jobs/JobService.js"
import { JobRun } from "../services/jobs/types.js"
import * as ServicesLayer from "../services/ServicesLayer.js"
import { localAdmin } from "./serviceCommand.js"

const finalStatuses: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"])
const encodeRun = Schema.encodeSync(JobRun)

class NotFinished extends Schema.TaggedError<NotFinished>()("NotFinished", { status: Schema.String }) {}

const servicesPart = Effect.gen(function*() {
  const jobs = yield* JobService
  const created = yield* jobs.create(localAdmin, {
    domain: "qr",
    name: "demo: a QR code through the JobService",
    payload: { text: "Jobs and tasks on PostgreSQL", format: "svg" }
  })
  yield* Console.log(`demo: created job ${created.id} through the JobService (${created.status})`)
  const started = yield* jobs.start(localAdmin, created.id)
  yield* Console.log(`demo: started it (${started.status}, runtime job ${started.runtime_job_id ?? "?"})`)
  // The run projection reads the runtime's event log into job_runs; wait for the outcome to land there.
  const finished = yield* jobs.get(localAdmin, created.id).pipe(
    Effect.flatMap((job) => (finalStatuses.has(job.status) ? Effect.succeed(job) : Effect.fail(new NotFinished({ status: job.status })))),
    Effect.retry(Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo({ times: 200 })))
  )
  const runs = yield* jobs.history(localAdmin, created.id)
  yield* Console.log(`demo: job ${finished.id} ${finished.status}; run history (${runs.length}):`)
  for (const run of runs) yield* Console.log(stringifyWire(encodeRun(run)))
})

/** The demo's services part failed; the message says where (one line, as every CLI error). */
export class DemoServicesError extends Schema.TaggedError<DemoServicesError>()("DemoServicesError", { message: Schema.String }) {}

/** Runs the services part over ServicesLayer (with its background fibers, for the run projection of qr). */
export const demoServices = servicesPart.pipe(
  Effect.provide(ServicesLayer.layerConfig({ domains: ["qr"] })),
  Effect.mapError((error) => new DemoServicesError({ message: `demo (services): ${error.message}` }))
)
