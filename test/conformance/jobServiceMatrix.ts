/**
 * The permission matrix: every JobService operation on a job the owner made, tried by the owner,
 * another user, an operator and an admin. "NotFound" is what an actor who may not see the job gets
 * (exactly as for a missing id, and the same error); "Forbidden" only for an actor who sees it. A
 * refused operation appends no outbox event and leaves the job as it was.
 */
import { assert, describe, type Vitest } from "@effect/vitest"
import { DateTime, Effect, type Layer } from "effect"
import type { Actor } from "../../src/services/Actor.js"
import { JobService } from "../../src/services/jobs/JobService.js"
import { type Cast, freshCast, freshDomain, jobEventsSince, type jobServiceLayer, outboxMark, outcome } from "./jobServiceSupport.js"

type Role = keyof Cast
type Result = "ok" | "NotFound" | "Forbidden"
type Expected = Readonly<Record<Role, Result>>

type Operation = (jobs: JobService["Service"], actor: Actor, jobId: string) => Effect.Effect<unknown, { readonly _tag: string }>

const seers: Expected = { owner: "ok", other: "NotFound", operator: "ok", admin: "ok" }
const adminOnly: Expected = { owner: "Forbidden", other: "NotFound", operator: "Forbidden", admin: "ok" }

const inAnHour = () => DateTime.makeUnsafe(Date.now() + 3_600_000)

/** Operation, what each role gets, and whether the job must be running first (complete/fail). */
const matrix: ReadonlyArray<readonly [string, Operation, Expected, { readonly running?: boolean; readonly write?: boolean }]> = [
  ["get", (jobs, actor, id) => jobs.get(actor, id), seers, {}],
  ["history", (jobs, actor, id) => jobs.history(actor, id), seers, {}],
  ["update", (jobs, actor, id) => jobs.update(actor, id, { priority: "low" }), seers, { write: true }],
  ["schedule", (jobs, actor, id) => jobs.schedule(actor, id, { kind: "at", run_at: inAnHour() }), seers, { write: true }],
  ["start", (jobs, actor, id) => jobs.start(actor, id), seers, { write: true }],
  ["cancel", (jobs, actor, id) => jobs.cancel(actor, id, "why"), seers, { write: true }],
  ["complete", (jobs, actor, id) => jobs.complete(actor, id, {}), seers, { running: true, write: true }],
  ["fail", (jobs, actor, id) => jobs.fail(actor, id, "broke"), seers, { running: true, write: true }],
  ["delete", (jobs, actor, id) => jobs.delete(actor, id), adminOnly, { write: true }]
]

const roles: ReadonlyArray<Role> = ["owner", "other", "operator", "admin"]

export const jobMatrixTests = (it: Vitest.MethodsNonLive<Layer.Success<ReturnType<typeof jobServiceLayer>>>) =>
  describe("permission matrix (owner / other user / operator / admin)", () => {
    for (const [name, operation, expected, options] of matrix) {
      it.effect(`${name}: ${roles.map((role) => `${role} ${expected[role]}`).join(", ")}`, () =>
        Effect.gen(function*() {
          const jobs = yield* JobService
          for (const role of roles) {
            const cast = freshCast()
            const job = yield* jobs.create(cast.owner, { domain: freshDomain("matrix"), name: `matrix ${name}`, payload: { mode: "ok" } })
            if (options.running === true) yield* jobs.start(cast.owner, job.id)
            const before = yield* jobs.get(cast.admin, job.id)
            const mark = yield* outboxMark
            const result = yield* Effect.result(operation(jobs, cast[role], job.id))
            const got: string = result._tag === "Success" ? "ok" : result.failure._tag
            assert.strictEqual(got, expected[role], `${name} by ${role}`)
            const events = yield* jobEventsSince(mark, job.id)
            if (got !== "ok") {
              assert.deepStrictEqual(events, [], `${name} by ${role} appended events`)
              assert.deepStrictEqual(yield* jobs.get(cast.admin, job.id), before, `${name} by ${role} changed the job`)
              // A job the actor may not see is indistinguishable from a missing one.
              if (got === "NotFound" && result._tag === "Failure") {
                const missing = "00000000-0000-4000-8000-000000000000"
                const gone = yield* Effect.result(operation(jobs, cast[role], missing))
                assert.strictEqual(gone._tag === "Failure" ? gone.failure._tag : "ok", "NotFound")
                assert.deepStrictEqual(Object.keys(result.failure).sort(), gone._tag === "Failure" ? Object.keys(gone.failure).sort() : [])
              }
            } else if (options.write === true) {
              assert.isAbove(events.length, 0, `${name} by ${role} appended no event`)
              const first = events[0]
              assert.strictEqual(first?.actor_user_id, cast[role].userId)
            }
          }
        }))
    }

    it.effect("a missing id and an id that is not a UUID are NotFound, even for an admin", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const { admin } = freshCast()
        for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "'; DROP TABLE jobs; --"]) {
          for (const [name, operation] of matrix) {
            assert.strictEqual(yield* outcome(operation(jobs, admin, id)), "NotFound", `${name} ${id}`)
          }
        }
      }))
  })
