/**
 * Walks the API's OpenAPI document: for every path and method, builds a valid request (creating what
 * it needs as the admin), sends it, and checks that the status is one the document lists for that
 * operation and that the body matches the schema it lists for that status (ajv, JSON Schema 2020-12).
 * An operation the walk has no request for fails the test, so a new route cannot go unchecked.
 */
import { assert } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import { Effect } from "effect"
import { call, text } from "./ApiServer.js"

interface Planned {
  readonly path: string
  readonly body?: string
}

const newJob = (extra: Record<string, unknown> = {}) =>
  Effect.map(call("POST", "/api/v1/jobs", { as: "admin", body: JSON.stringify({ domain: "walk", name: "walked job", ...extra }) }), (a) => {
    assert.strictEqual(a.status, 201, a.text)
    return text(a, "id")
  })
const newTask = (extra: Record<string, unknown> = {}) =>
  Effect.map(call("POST", "/api/v1/tasks", { as: "admin", body: JSON.stringify({ title: "walked task", ...extra }) }), (a) => {
    assert.strictEqual(a.status, 201, a.text)
    return text(a, "id")
  })
const startedJob = Effect.tap(newJob(), (id) => call("POST", `/api/v1/jobs/${id}/start`, { as: "admin" }))

const future = new Date(Date.now() + 86_400_000).toISOString()

/** A valid request per operationId (undefined: the walk does not know the operation). */
const requestFor = (operationId: string) => {
  switch (operationId) {
    case "jobs.list": return Effect.succeed<Planned>({ path: "/api/v1/jobs?status=pending,running&limit=5" })
    case "jobs.create": return Effect.succeed<Planned>({ path: "/api/v1/jobs", body: `{"domain":"walk","name":"created","user_id":9007199254740993}` })
    case "jobs.pending": return Effect.succeed<Planned>({ path: "/api/v1/jobs/pending" })
    case "jobs.running": return Effect.succeed<Planned>({ path: "/api/v1/jobs/running" })
    case "jobs.get": return Effect.map(newJob(), (id): Planned => ({ path: `/api/v1/jobs/${id}` }))
    case "jobs.update": return Effect.map(newJob(), (id): Planned => ({ path: `/api/v1/jobs/${id}`, body: `{"priority":"high"}` }))
    case "jobs.delete": return Effect.map(newJob(), (id): Planned => ({ path: `/api/v1/jobs/${id}` }))
    case "jobs.schedule": return Effect.map(newJob(), (id): Planned => ({ path: `/api/v1/jobs/${id}/schedule`, body: JSON.stringify({ kind: "at", run_at: future }) }))
    case "jobs.start": return Effect.map(newJob(), (id): Planned => ({ path: `/api/v1/jobs/${id}/start` }))
    case "jobs.cancel": return Effect.map(newJob(), (id): Planned => ({ path: `/api/v1/jobs/${id}/cancel`, body: `{"reason":"walk"}` }))
    case "jobs.complete": return Effect.map(startedJob, (id): Planned => ({ path: `/api/v1/jobs/${id}/complete`, body: `{"result_id":"r1","result_bytes":3}` }))
    case "jobs.fail": return Effect.map(startedJob, (id): Planned => ({ path: `/api/v1/jobs/${id}/fail`, body: `{"error":"walked off"}` }))
    case "jobs.history": return Effect.map(startedJob, (id): Planned => ({ path: `/api/v1/jobs/${id}/history` }))
    case "jobs.lineage": return Effect.map(startedJob, (id): Planned => ({ path: `/api/v1/jobs/${id}/lineage` }))
    case "tasks.list": return Effect.succeed<Planned>({ path: "/api/v1/tasks?status=open&top_level=true&limit=5" })
    case "tasks.create": return Effect.succeed<Planned>({ path: "/api/v1/tasks", body: `{"title":"created","assignee_user_id":1002}` })
    case "tasks.get": return Effect.map(newTask(), (id): Planned => ({ path: `/api/v1/tasks/${id}` }))
    case "tasks.update": return Effect.map(newTask(), (id): Planned => ({ path: `/api/v1/tasks/${id}`, body: `{"due_at":"${future}"}` }))
    case "tasks.delete": return Effect.map(newTask(), (id): Planned => ({ path: `/api/v1/tasks/${id}` }))
    case "tasks.assign": return Effect.map(newTask(), (id): Planned => ({ path: `/api/v1/tasks/${id}/assign`, body: `{"assignee_user_id":1002}` }))
    case "tasks.complete": return Effect.map(newTask(), (id): Planned => ({ path: `/api/v1/tasks/${id}/complete`, body: `{"force":true}` }))
    case "tasks.cancel": return Effect.map(newTask(), (id): Planned => ({ path: `/api/v1/tasks/${id}/cancel`, body: `{}` }))
    case "tasks.reopen":
      return Effect.map(Effect.tap(newTask(), (id) => call("POST", `/api/v1/tasks/${id}/complete`, { as: "admin" })), (id): Planned => ({ path: `/api/v1/tasks/${id}/reopen` }))
    case "tasks.createSubtask": return Effect.map(newTask(), (id): Planned => ({ path: `/api/v1/tasks/${id}/subtasks`, body: `{"title":"sub"}` }))
    case "tasks.subtasks": return Effect.map(newTask(), (id): Planned => ({ path: `/api/v1/tasks/${id}/subtasks` }))
    case "tasks.linkJob": return Effect.map(Effect.all([newTask(), newJob()]), ([t, j]): Planned => ({ path: `/api/v1/tasks/${t}/jobs/${j}` }))
    case "tasks.unlinkJob":
      return Effect.map(Effect.flatMap(newJob(), (j) => Effect.map(newTask({ job_ids: [j] }), (t) => [t, j] as const)), ([t, j]): Planned => ({ path: `/api/v1/tasks/${t}/jobs/${j}` }))
    default: return undefined
  }
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const methods = ["get", "post", "put", "patch", "delete"] as const

/** Walks the document; returns the `METHOD path status` of every operation checked. */
export const walkRequests = (document: Readonly<Record<string, unknown>>) =>
  Effect.gen(function*() {
    const ajv = new Ajv2020({ strict: false, validateFormats: false })
    ajv.addSchema({ $id: "openapi", components: document["components"] })
    const checked: Array<string> = []
    const paths = isRecord(document["paths"]) ? document["paths"] : {}
    for (const [template, item] of Object.entries(paths)) {
      for (const method of methods) {
        const operation = isRecord(item) ? item[method] : undefined
        if (!isRecord(operation)) continue
        const operationId = String(operation["operationId"])
        const plan = requestFor(operationId)
        assert.isDefined(plan, `no walk request for ${operationId} (${method.toUpperCase()} ${template})`)
        if (plan === undefined) continue
        const planned = yield* plan
        const answer = yield* call(method.toUpperCase(), planned.path, { as: "admin", ...(planned.body === undefined ? {} : { body: planned.body }) })
        const responses = isRecord(operation["responses"]) ? operation["responses"] : {}
        const documented = responses[String(answer.status)]
        assert.isTrue(isRecord(documented), `${operationId}: ${answer.status} is not documented (${answer.text.slice(0, 200)})`)
        assert.isTrue(answer.status < 300, `${operationId}: the valid request was refused: ${answer.status} ${answer.text.slice(0, 200)}`)
        const content = isRecord(documented) && isRecord(documented["content"]) ? documented["content"]["application/json"] : undefined
        if (isRecord(content) && isRecord(content["schema"])) {
          const validate = ajv.compile({ $ref: `openapi${String(content["schema"]["$ref"])}` })
          assert.isTrue(validate(answer.json), `${operationId}: ${ajv.errorsText(validate.errors)} in ${answer.text.slice(0, 300)}`)
        } else {
          assert.strictEqual(answer.text, "", `${operationId}: documented without a body`)
        }
        checked.push(`${method.toUpperCase()} ${template} ${answer.status}`)
      }
    }
    return checked
  })
