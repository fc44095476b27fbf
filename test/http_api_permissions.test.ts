/**
 * The permission matrix over HTTP, on the embedded PGlite and on a real PostgreSQL: every job and task
 * operation as the owner, the assignee, a stranger (plain users), an operator, an admin and with no
 * token. The expected answer comes from the pure rules (decideJob / decideTask): allowed is the
 * operation's success status, not visible is 404 (as a missing id), visible but not allowed is 403, no
 * token is 401; and after every refusal the entity is exactly as before.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { Actor } from "../src/services/Actor.js"
import { decideJob } from "../src/services/jobs/permissions.js"
import { decideTask, type TaskOperation } from "../src/services/tasks/permissions.js"
import type { JobOperation } from "../src/services/jobs/permissions.js"
import * as Database from "../src/sql/Database.js"
import { type ActorName, actorNames, actors, type ApiServer, apiServerLayer, call, items, text } from "./support/ApiServer.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"

const owner = actors.owner.actor.userId
const assignee = actors.assignee.actor.userId
const callers: ReadonlyArray<ActorName | "none"> = [...actorNames, "none"]

const expected = (caller: ActorName | "none", decide: (actor: Actor) => "allow" | "not_found" | "forbidden", success: number) => {
  if (caller === "none") return 401
  const decision = decide(actors[caller].actor)
  return decision === "allow" ? success : decision === "not_found" ? 404 : 403
}

const asCaller = (caller: ActorName | "none") => (caller === "none" ? {} : { as: caller })

const created = (path: string, body: Record<string, unknown>) =>
  Effect.map(call("POST", path, { as: "admin", body: JSON.stringify(body) }), (answer) => {
    assert.strictEqual(answer.status, 201, answer.text)
    return text(answer, "id")
  })
const newJob = created("/api/v1/jobs", { domain: "perm", name: "owned job", user_id: Number(owner) })
const runningJob = Effect.tap(newJob, (id) => call("POST", `/api/v1/jobs/${id}/start`, { as: "admin" }))
const newTask = (extra: Record<string, unknown> = {}) =>
  created("/api/v1/tasks", { title: "owned task", user_id: Number(owner), assignee_user_id: Number(assignee), ...extra })

interface Case {
  readonly name: string
  readonly method: string
  readonly path: (id: string) => string
  readonly body?: string
  readonly fixture: Effect.Effect<string, never, ApiServer>
  readonly success: number
}

const jobCases: ReadonlyArray<Case & { readonly operation: JobOperation }> = [
  { name: "get", operation: "view", method: "GET", path: (id) => `/api/v1/jobs/${id}`, fixture: newJob, success: 200 },
  { name: "history", operation: "history", method: "GET", path: (id) => `/api/v1/jobs/${id}/history`, fixture: newJob, success: 200 },
  { name: "update", operation: "update", method: "PATCH", path: (id) => `/api/v1/jobs/${id}`, body: `{"priority":"high"}`, fixture: newJob, success: 200 },
  {
    name: "schedule", operation: "schedule", method: "POST", path: (id) => `/api/v1/jobs/${id}/schedule`,
    body: JSON.stringify({ kind: "cron", cron: "0 3 * * *" }), fixture: newJob, success: 200
  },
  { name: "start", operation: "start", method: "POST", path: (id) => `/api/v1/jobs/${id}/start`, fixture: newJob, success: 200 },
  { name: "cancel", operation: "cancel", method: "POST", path: (id) => `/api/v1/jobs/${id}/cancel`, fixture: newJob, success: 200 },
  { name: "complete", operation: "complete", method: "POST", path: (id) => `/api/v1/jobs/${id}/complete`, fixture: runningJob, success: 200 },
  { name: "fail", operation: "fail", method: "POST", path: (id) => `/api/v1/jobs/${id}/fail`, body: `{"error":"no"}`, fixture: runningJob, success: 200 },
  { name: "delete", operation: "delete", method: "DELETE", path: (id) => `/api/v1/jobs/${id}`, fixture: newJob, success: 204 }
]

const linkedTask = Effect.flatMap(newJob, (jobId) => Effect.map(newTask({ job_ids: [jobId] }), (taskId) => `${taskId}/jobs/${jobId}`))
const taskAndJob = Effect.flatMap(newJob, (jobId) => Effect.map(newTask(), (taskId) => `${taskId}/jobs/${jobId}`))
const doneTask = Effect.tap(newTask(), (id) => call("POST", `/api/v1/tasks/${id}/complete`, { as: "admin" }))

const taskCases: ReadonlyArray<Case & { readonly operation: TaskOperation }> = [
  { name: "get", operation: "view", method: "GET", path: (id) => `/api/v1/tasks/${id}`, fixture: newTask(), success: 200 },
  { name: "subtasks", operation: "view", method: "GET", path: (id) => `/api/v1/tasks/${id}/subtasks`, fixture: newTask(), success: 200 },
  { name: "update", operation: "update", method: "PATCH", path: (id) => `/api/v1/tasks/${id}`, body: `{"title":"renamed"}`, fixture: newTask(), success: 200 },
  { name: "assign", operation: "assign", method: "POST", path: (id) => `/api/v1/tasks/${id}/assign`, body: `{"assignee_user_id":1001}`, fixture: newTask(), success: 200 },
  { name: "complete", operation: "complete", method: "POST", path: (id) => `/api/v1/tasks/${id}/complete`, fixture: newTask(), success: 200 },
  { name: "cancel", operation: "cancel", method: "POST", path: (id) => `/api/v1/tasks/${id}/cancel`, fixture: newTask(), success: 200 },
  { name: "reopen", operation: "reopen", method: "POST", path: (id) => `/api/v1/tasks/${id}/reopen`, fixture: doneTask, success: 200 },
  {
    name: "createSubtask", operation: "create_subtask", method: "POST", path: (id) => `/api/v1/tasks/${id}/subtasks`,
    body: `{"title":"sub"}`, fixture: newTask(), success: 201
  },
  { name: "linkJob", operation: "link_job", method: "PUT", path: (pair) => `/api/v1/tasks/${pair}`, fixture: taskAndJob, success: 200 },
  { name: "unlinkJob", operation: "link_job", method: "DELETE", path: (pair) => `/api/v1/tasks/${pair}`, fixture: linkedTask, success: 200 },
  { name: "delete", operation: "delete", method: "DELETE", path: (id) => `/api/v1/tasks/${id}`, fixture: newTask(), success: 204 }
]

/** Runs every case as every caller; returns the mismatches (empty when the matrix holds). */
const runMatrix = (entity: "jobs" | "tasks", cases: ReadonlyArray<Case>, decide: (actor: Actor, c: Case) => "allow" | "not_found" | "forbidden") =>
  Effect.gen(function*() {
    const mismatches: Array<string> = []
    for (const c of cases) {
      for (const caller of callers) {
        const fixture = yield* c.fixture
        const entityId = fixture.split("/")[0] ?? fixture
        const before = yield* call("GET", `/api/v1/${entity}/${entityId}`, { as: "admin" })
        const answer = yield* call(c.method, c.path(fixture), { ...asCaller(caller), ...(c.body === undefined ? {} : { body: c.body }) })
        const want = expected(caller, (actor) => decide(actor, c), c.success)
        if (answer.status !== want) mismatches.push(`${c.name} as ${caller}: ${answer.status}, expected ${want} (${answer.text.slice(0, 120)})`)
        if (want >= 400) {
          const after = yield* call("GET", `/api/v1/${entity}/${entityId}`, { as: "admin" })
          if (after.text !== before.text) mismatches.push(`${c.name} as ${caller}: refused but changed the ${entity.slice(0, -1)}`)
        }
      }
    }
    return mismatches
  })

/** Whether `caller`'s listing at `path` holds the entity `id` (listings answer 200 to everyone). */
const sees = (caller: ActorName, path: string, id: string) =>
  Effect.map(call("GET", path, { as: caller }), (answer) => {
    assert.strictEqual(answer.status, 200, answer.text)
    return items(answer).some((item) => typeof item === "object" && item !== null && "id" in item && item.id === id)
  })

const suite = (name: string, database: Layer.Layer<Database.Database, unknown>) =>
  layer(apiServerLayer(database), { excludeTestServices: true, timeout: "300 seconds" })(`API permission matrix on ${name}`, (it) => {
    it.effect("jobs: every operation as owner, assignee, stranger, operator, admin and no token", () =>
      Effect.gen(function*() {
        const mismatches = yield* runMatrix("jobs", jobCases, (actor, c) =>
          decideJob(actor, jobCases.find((j) => j.name === c.name)?.operation ?? "view", { id: "", user_id: owner }))
        assert.deepStrictEqual(mismatches, [])
      }), 300_000)

    it.effect("tasks: every operation as owner, assignee, stranger, operator, admin and no token", () =>
      Effect.gen(function*() {
        const mismatches = yield* runMatrix("tasks", taskCases, (actor, c) =>
          decideTask(actor, taskCases.find((t) => t.name === c.name)?.operation ?? "view", { id: "", user_id: owner, assignee_user_id: assignee }))
        assert.deepStrictEqual(mismatches, [])
      }), 300_000)

    it.effect("listings are narrowed, never refused; creating for another owner is for operators and admins", () =>
      Effect.gen(function*() {
        const jobId = yield* newJob
        const taskId = yield* newTask()
        for (const caller of actorNames) {
          assert.strictEqual(yield* sees(caller, `/api/v1/jobs?owner=${owner}&limit=200`, jobId), caller !== "stranger" && caller !== "assignee", `jobs as ${caller}`)
          assert.strictEqual(yield* sees(caller, `/api/v1/tasks?owner=${owner}&limit=200`, taskId), caller !== "stranger", `tasks as ${caller}`)
        }
        assert.strictEqual((yield* call("GET", "/api/v1/jobs")).status, 401)
        for (const [caller, status] of [["stranger", 403], ["operator", 201], ["admin", 201]] as const) {
          const answer = yield* call("POST", "/api/v1/jobs", { as: caller, body: `{"domain":"perm","name":"for owner","user_id":${owner}}` })
          assert.strictEqual(answer.status, status, `${caller}: ${answer.text}`)
          const task = yield* call("POST", "/api/v1/tasks", { as: caller, body: `{"title":"for owner","user_id":${owner}}` })
          assert.strictEqual(task.status, status, `${caller}: ${task.text}`)
        }
      }))
  })

suite("embedded PGlite", Database.layerEmbedded())
suite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))
