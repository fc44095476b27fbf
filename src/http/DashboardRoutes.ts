/**
 * The dashboard's HTTP surface: the page and its script, queue counts per domain, the jobs the
 * JobViewHub knows, one job's record and event history, server-sent events carrying view changes,
 * and the actions (cancel, retry, requeue from dead letter). Every /api route is behind the
 * dashboard token, checked by the gate in HttpSecurity.ts; actions check it again here.
 */
import { Effect, Layer, Option, Schedule, Stream } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { type JobDomain, isJobDomain } from "../contracts/JobDomain.js"
import { stringifyWire } from "../contracts/WireJson.js"
import { JobViewHub, type ViewChange, type ViewState } from "../runtime/JobView.js"
import { JobQueue } from "../runtime/JobQueue.js"
import { JobStore } from "../runtime/JobStore.js"
import { dashboardPage, dashboardStyle } from "./assets/page.js"
import { dashboardScript } from "./assets/script.js"
import { DashboardToken } from "./DashboardToken.js"
import { jobActionNames, JobActions, type JobActionName } from "./JobActions.js"

const isDomain = (value: string | undefined): value is JobDomain => value !== undefined && isJobDomain(value)
const isAction = (value: string | undefined): value is JobActionName => jobActionNames.some((a) => a === value)
// Bodies carry user ids, bigints written as JSON integers from their digits (contracts/WireJson.ts).
const json = (body: unknown, status = 200) => HttpServerResponse.text(stringifyWire(body), { status, contentType: "application/json" })

export const snapshotJson = (state: ViewState) => ({
  jobs: [...state.jobs.values()].sort((a, b) => b.startedAt - a.startedAt),
  problems: state.problems
})

const sseFrame = (event: string, data: unknown) => `event: ${event}\ndata: ${stringifyWire(data)}\n\n`
const changeFrame = (change: ViewChange) =>
  change._tag === "Job" ? sseFrame("job", change.job) : sseFrame("problems", change.problems)

const queues = Effect.gen(function*() {
  const hub = yield* JobViewHub
  const queue = yield* JobQueue
  const state = yield* hub.snapshot
  return yield* Effect.forEach(hub.domains, (domain) =>
    Effect.map(queue.counts(domain), (counts) => ({
      domain,
      ...counts,
      // Failed jobs the view has seen (records of failed jobs are not indexed in Redis).
      failed: [...state.jobs.values()].filter((j) => j.domain === domain && j.status === "failed").length
    })))
})

const jobDetail = Effect.gen(function*() {
  const params = yield* HttpRouter.params
  const domain = params["domain"]
  const jobId = params["id"] ?? ""
  if (!isDomain(domain)) return json({ error: `"${domain}" is not a domain name` }, 400)
  const store = yield* JobStore
  const hub = yield* JobViewHub
  const record = yield* store.loadRecord(domain, jobId)
  const view = (yield* hub.snapshot).jobs.get(`${domain}/${jobId}`)
  if (Option.isNone(record) && view === undefined) return json({ error: `no job ${jobId} in domain ${domain}` }, 404)
  return json({ domain, jobId, record: Option.getOrNull(record), view: view ?? null })
})

const events = Effect.gen(function*() {
  const hub = yield* JobViewHub
  const body = Stream.unwrap(Effect.gen(function*() {
    // Subscribe before the snapshot, so no change falls between the two.
    const changes = yield* hub.subscribe
    const snapshot = yield* hub.snapshot
    const keepAlive = Stream.fromSchedule(Schedule.spaced("15 seconds")).pipe(Stream.map(() => ": keep-alive\n\n"))
    return Stream.succeed(sseFrame("snapshot", snapshotJson(snapshot))).pipe(
      Stream.concat(Stream.merge(Stream.map(changes, changeFrame), keepAlive))
    )
  }))
  return HttpServerResponse.stream(Stream.encodeText(body), {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
  })
})

const action = (request: { readonly headers: Readonly<Record<string, string | undefined>> }) =>
  Effect.gen(function*() {
    const params = yield* HttpRouter.params
    const domain = params["domain"]
    const name = params["action"]
    const jobId = params["id"] ?? ""
    const token = yield* DashboardToken
    switch (token.check(request.headers["authorization"])) {
      case "read-only":
        return json({ error: "the dashboard is read-only: start it with DASHBOARD_TOKEN set to allow actions" }, 403)
      case "missing":
        return json({ error: "this action needs the dashboard token (Authorization: Bearer <token>)" }, 401)
      case "wrong":
        return json({ error: "wrong dashboard token" }, 401)
      case "ok":
        break
    }
    if (!isDomain(domain)) return json({ error: `"${domain}" is not a domain name` }, 400)
    if (!isAction(name)) return json({ error: `unknown action "${name}"; actions: ${jobActionNames.join(", ")}` }, 400)
    const actions = yield* JobActions
    return yield* actions.run(name, domain, jobId).pipe(
      Effect.map((result) => json(result)),
      Effect.catch((error) =>
        Effect.succeed(json({ error: error.message }, error.reason === "not-found" ? 404 : error.reason === "refused" ? 409 : 500)))
    )
  })

export const dashboardRoutes = Layer.mergeAll(
  HttpRouter.add("GET", "/", Effect.gen(function*() {
    const token = yield* DashboardToken
    const hub = yield* JobViewHub
    return HttpServerResponse.html(dashboardPage({ domains: hub.domains, actionsEnabled: token.configured }))
  })),
  HttpRouter.add("GET", "/assets/dashboard.js", HttpServerResponse.text(dashboardScript, { contentType: "text/javascript; charset=utf-8" })),
  HttpRouter.add("GET", "/assets/dashboard.css", HttpServerResponse.text(dashboardStyle, { contentType: "text/css; charset=utf-8" })),
  HttpRouter.add("GET", "/api/queues", Effect.map(queues, (rows) => json({ queues: rows }))),
  HttpRouter.add("GET", "/api/jobs", Effect.gen(function*() {
    const hub = yield* JobViewHub
    return json(snapshotJson(yield* hub.snapshot))
  })),
  HttpRouter.add("GET", "/api/jobs/:domain/:id", jobDetail),
  HttpRouter.add("GET", "/api/events", events),
  HttpRouter.add("POST", "/api/jobs/:domain/:id/:action", action)
)
