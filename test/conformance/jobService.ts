/**
 * The JobService on a database (run on the embedded PGlite and on a real PostgreSQL, with a real
 * redis-server as the runtime): CRUD, lifecycle refusals, keyset pagination and filters, and the
 * outbox rows each write appends (none when it is refused). The permission matrix is in
 * ./jobServiceMatrix.ts, schedules and the `task.cancelled` rule in ./jobServiceSchedules.ts, runs
 * through real workers in ./jobRuns.ts.
 */
import { assert, describe, layer } from "@effect/vitest"
import { DateTime, Effect, type Layer } from "effect"
import { encodeCursor } from "../../src/services/Cursor.js"
import { JobService } from "../../src/services/jobs/JobService.js"
import type { Database } from "../../src/sql/Database.js"
import {
  checkedDomain,
  freshCast,
  freshDomain,
  insertTask,
  jobEventsSince,
  jobServiceLayer,
  outboxMark,
  outcome,
  summary
} from "./jobServiceSupport.js"
import { jobMatrixTests } from "./jobServiceMatrix.js"
import { jobScheduleTests, jobTaskRuleTests } from "./jobServiceSchedules.js"

const ids = (page: { readonly items: ReadonlyArray<{ readonly id: string }> }) => page.items.map((item) => item.id)

const hostileName = `'); DROP TABLE jobs; -- $1 \\ " ' é漢`

export const jobServiceSuite = (name: string, database: Layer.Layer<Database, unknown>) =>
  layer(jobServiceLayer(database), { excludeTestServices: true, timeout: "120 seconds" })(`JobService on ${name}`, (it) => {
    describe("create, read, update, delete", () => {
      it.effect("stores every field verbatim (SQL-looking name, 64-bit owner, jsonb payload) and records created/updated/deleted", () =>
        Effect.gen(function*() {
          const jobs = yield* JobService
          const cast = freshCast()
          const task = yield* insertTask(cast.owner.userId)
          const payload = { text: "héllo", nested: { n: 1.5, ok: true, none: null, list: [1, "two"] }, sql: "'; --" }
          const mark = yield* outboxMark
          const job = yield* jobs.create(cast.owner, {
            domain: "qr",
            name: hostileName,
            description: "line 1\nline 2",
            payload,
            priority: "high",
            max_attempts: 5,
            task_ids: [task.toUpperCase()]
          })
          const got = yield* jobs.get(cast.owner, job.id)
          assert.deepStrictEqual(got, job)
          assert.strictEqual(got.name, hostileName)
          assert.strictEqual(got.user_id, cast.owner.userId)
          assert.deepStrictEqual(got.payload, payload)
          assert.strictEqual(got.status, "pending")
          assert.strictEqual(got.priority, "high")
          assert.strictEqual(got.max_attempts, 5)
          assert.strictEqual(got.attempts, 0)
          assert.strictEqual(got.schedule, null)
          assert.strictEqual(got.runtime_job_id, null)
          assert.deepStrictEqual(got.task_ids, [task])
          const created = yield* jobEventsSince(mark, job.id)
          assert.deepStrictEqual(created.map((event) => ({ ...event, event_id: "", occurred_at: "" })), [{
            type: "job.created.v1",
            event_id: "",
            occurred_at: "",
            actor_user_id: cast.owner.userId,
            job_id: job.id,
            user_id: cast.owner.userId,
            domain: "qr",
            name: hostileName,
            status: "pending",
            priority: "high"
          }])

          const mark2 = yield* outboxMark
          const changed = yield* jobs.update(cast.owner, job.id, { name: "renamed", description: null, priority: "high", payload: { text: "x" } })
          assert.strictEqual(changed.name, "renamed")
          assert.strictEqual(changed.description, null)
          assert.deepStrictEqual(changed.payload, { text: "x" })
          const updates = yield* jobEventsSince(mark2, job.id)
          assert.deepStrictEqual(summary(updates), ["job.updated.v1"])
          const first = updates[0]
          // priority was sent unchanged: only what changed is named.
          assert.deepStrictEqual(first?.type === "job.updated.v1" ? [...first.fields].sort() : [], ["description", "name", "payload"])
          const mark3 = yield* outboxMark
          assert.deepStrictEqual(yield* jobs.update(cast.owner, job.id, { name: "renamed" }), changed)
          assert.deepStrictEqual(yield* jobEventsSince(mark3, job.id), [])

          assert.strictEqual(yield* outcome(jobs.delete(cast.owner, job.id)), "Forbidden")
          yield* jobs.delete(cast.admin, job.id)
          assert.deepStrictEqual(summary(yield* jobEventsSince(mark3, job.id)), ["job.deleted.v1"])
          assert.strictEqual(yield* outcome(jobs.get(cast.admin, job.id)), "NotFound")
        }))

      it.effect("an operator creates for another owner; a user may not", () =>
        Effect.gen(function*() {
          const jobs = yield* JobService
          const cast = freshCast()
          const refused = yield* Effect.flip(jobs.create(cast.owner, { domain: "qr", name: "n", user_id: cast.other.userId }))
          assert.strictEqual(refused._tag, "Forbidden")
          const mark = yield* outboxMark
          const job = yield* jobs.create(cast.operator, { domain: "qr", name: "for the owner", user_id: cast.owner.userId })
          assert.strictEqual(job.user_id, cast.owner.userId)
          assert.deepStrictEqual(yield* jobs.get(cast.owner, job.id), job)
          const [created] = yield* jobEventsSince(mark, job.id)
          assert.strictEqual(created?.actor_user_id, cast.operator.userId)
          assert.strictEqual(created?.user_id, cast.owner.userId)
        }))

      it.effect("refuses unknown fields, empty updates and bad names with Validation, writing nothing", () =>
        Effect.gen(function*() {
          const jobs = yield* JobService
          const cast = freshCast()
          const job = yield* jobs.create(cast.owner, { domain: "qr", name: "kept" })
          const mark = yield* outboxMark
          const withTypo = { domain: "qr", name: "n", priorty: "high" }
          const unknown = yield* Effect.flip(jobs.create(cast.owner, withTypo))
          assert.strictEqual(unknown._tag, "Validation")
          const blank = yield* Effect.flip(jobs.create(cast.owner, { domain: "qr", name: " padded " }))
          assert.deepStrictEqual(blank._tag === "Validation" ? blank.field : "", "name")
          const domain = yield* Effect.flip(jobs.create(cast.owner, { domain: "Not-A-Domain", name: "n" }))
          assert.deepStrictEqual(domain._tag === "Validation" ? domain.field : "", "domain")
          const empty = yield* Effect.flip(jobs.update(cast.owner, job.id, {}))
          assert.strictEqual(empty._tag, "Validation")
          const attempts = yield* Effect.flip(jobs.update(cast.owner, job.id, { max_attempts: 0 }))
          assert.deepStrictEqual(attempts._tag === "Validation" ? attempts.field : "", "max_attempts")
          assert.deepStrictEqual(yield* jobEventsSince(mark), [])
          assert.deepStrictEqual((yield* jobs.list(cast.owner, {})).items.map((item) => item.id), [job.id])
        }))

      it.effect("linking a task at creation: NotFound for a task the actor may not see, Forbidden for one they only work on", () =>
        Effect.gen(function*() {
          const jobs = yield* JobService
          const cast = freshCast()
          const hidden = yield* insertTask(cast.other.userId)
          const assigned = yield* insertTask(cast.other.userId, cast.owner.userId)
          const mark = yield* outboxMark
          const notSeen = yield* Effect.flip(jobs.create(cast.owner, { domain: "qr", name: "n", task_ids: [hidden] }))
          assert.deepStrictEqual(notSeen._tag === "NotFound" ? [notSeen.entity, notSeen.id] : [], ["task", hidden])
          const missing = "00000000-0000-4000-8000-000000000000"
          const gone = yield* Effect.flip(jobs.create(cast.owner, { domain: "qr", name: "n", task_ids: [missing] }))
          assert.deepStrictEqual(gone._tag === "NotFound" ? [gone.entity, gone.id] : [], ["task", missing])
          const notOwner = yield* Effect.flip(jobs.create(cast.owner, { domain: "qr", name: "n", task_ids: [assigned] }))
          assert.deepStrictEqual(notOwner._tag === "Forbidden" ? [notOwner.entity, notOwner.operation] : [], ["task", "link_job"])
          assert.deepStrictEqual(yield* jobEventsSince(mark), [])
          assert.deepStrictEqual((yield* jobs.list(cast.owner, {})).items, [])
          const linked = yield* jobs.create(cast.operator, { domain: "qr", name: "n", task_ids: [hidden, hidden] })
          assert.deepStrictEqual(linked.task_ids, [hidden])
        }))
    })

    jobMatrixTests(it)

    describe("lifecycle", () => {
      it.effect("refuses what the state does not allow (InvalidTransition), appending no event", () =>
        Effect.gen(function*() {
          const jobs = yield* JobService
          const cast = freshCast()
          const domain = freshDomain()
          const job = yield* jobs.create(cast.owner, { domain, name: "n", payload: { mode: "ok" } })
          const mark = yield* outboxMark
          const early = yield* Effect.flip(jobs.complete(cast.owner, job.id, {}))
          assert.deepStrictEqual(early._tag === "InvalidTransition" ? [early.from, early.action] : [], ["pending", "succeed"])
          assert.strictEqual(yield* outcome(jobs.fail(cast.owner, job.id, "nope")), "InvalidTransition")
          assert.deepStrictEqual(yield* jobEventsSince(mark), [])

          const running = yield* jobs.start(cast.owner, job.id)
          assert.strictEqual(running.status, "running")
          assert.strictEqual(running.runtime_job_id, `${domain}:job:svc-${job.id}-1`)
          const mark2 = yield* outboxMark
          assert.strictEqual(yield* outcome(jobs.start(cast.owner, job.id)), "InvalidTransition")
          assert.strictEqual(yield* outcome(jobs.schedule(cast.owner, job.id, { kind: "cron", cron: "0 3 * * *" })), "InvalidTransition")
          const deleting = yield* Effect.flip(jobs.delete(cast.admin, job.id))
          assert.deepStrictEqual(deleting._tag === "InvalidTransition" ? deleting.action : "", "delete")
          assert.strictEqual(yield* outcome(jobs.update(cast.owner, job.id, { payload: { mode: "hang" } })), "InvalidTransition")
          assert.strictEqual(yield* outcome(jobs.update(cast.owner, job.id, { max_attempts: 9 })), "InvalidTransition")
          assert.strictEqual(yield* outcome(jobs.fail(cast.owner, job.id, "  ")), "Validation")
          assert.deepStrictEqual(yield* jobEventsSince(mark2), [])
          // Labels may change while it runs.
          assert.strictEqual((yield* jobs.update(cast.owner, job.id, { name: "relabelled" })).name, "relabelled")

          const failed = yield* jobs.fail(cast.owner, job.id, "the outside system gave up")
          assert.strictEqual(failed.status, "failed")
          // failed may start again: a new runtime job.
          const again = yield* jobs.start(cast.owner, job.id)
          assert.strictEqual(again.runtime_job_id, `${domain}:job:svc-${job.id}-2`)
          const mark3 = yield* outboxMark
          const cancelled = yield* jobs.cancel(cast.owner, job.id, "no longer needed")
          assert.strictEqual(cancelled.status, "cancelled")
          assert.deepStrictEqual(summary(yield* jobEventsSince(mark3, job.id)), ["job.status_changed.v1 running->cancelled", "job.cancelled.v1"])
          const mark4 = yield* outboxMark
          assert.strictEqual(yield* outcome(jobs.cancel(cast.owner, job.id, "again")), "InvalidTransition")
          assert.strictEqual(yield* outcome(jobs.start(cast.owner, job.id)), "InvalidTransition")
          assert.strictEqual(yield* outcome(jobs.schedule(cast.owner, job.id, { kind: "cron", cron: "0 3 * * *" })), "InvalidTransition")
          assert.deepStrictEqual(yield* jobEventsSince(mark4), [])
        }))

      it.effect("complete by an outside system records the result; start on a bad payload is a Validation and rolls back", () =>
        Effect.gen(function*() {
          const jobs = yield* JobService
          const cast = freshCast()
          const job = yield* jobs.create(cast.owner, { domain: freshDomain(), name: "external" })
          yield* jobs.start(cast.owner, job.id)
          const mark = yield* outboxMark
          const done = yield* jobs.complete(cast.operator, job.id, { result_id: "r-1", result_bytes: 10 })
          assert.strictEqual(done.status, "succeeded")
          const events = yield* jobEventsSince(mark, job.id)
          assert.deepStrictEqual(summary(events), ["job.status_changed.v1 running->succeeded", "job.succeeded.v1"])
          const succeeded = events[1]
          assert.deepStrictEqual(succeeded?.type === "job.succeeded.v1" ? succeeded.result : undefined, { result_id: "r-1", result_bytes: 10 })
          assert.strictEqual(succeeded?.actor_user_id, cast.operator.userId)

          const checked = yield* jobs.create(cast.owner, { domain: checkedDomain, name: "bad payload", payload: { text: 42 } })
          const mark2 = yield* outboxMark
          const refused = yield* Effect.flip(jobs.start(cast.owner, checked.id))
          assert.deepStrictEqual(refused._tag === "Validation" ? refused.field : "", "payload.text")
          const after = yield* jobs.get(cast.owner, checked.id)
          assert.strictEqual(after.status, "pending")
          assert.strictEqual(after.runtime_job_id, null)
          assert.deepStrictEqual(yield* jobEventsSince(mark2), [])
        }))
    })

    jobScheduleTests(it)

    describe("listing", () => {
      it.effect("pages newest first with a cursor, without skipping or repeating; a bad cursor is a Validation on cursor", () =>
        Effect.gen(function*() {
          const jobs = yield* JobService
          const cast = freshCast()
          const newestFirst: Array<string> = []
          for (let i = 0; i < 7; i++) newestFirst.unshift((yield* jobs.create(cast.owner, { domain: "qr", name: `job ${i}` })).id)
          const seen: Array<string> = []
          const sizes: Array<number> = []
          let cursor: string | null = null
          do {
            const page: { readonly items: ReadonlyArray<{ readonly id: string }>; readonly next_cursor: string | null } = yield* jobs.list(
              cast.owner,
              cursor === null ? { limit: 3 } : { limit: 3, cursor }
            )
            sizes.push(page.items.length)
            seen.push(...page.items.map((item) => item.id))
            cursor = page.next_cursor
          } while (cursor !== null)
          assert.deepStrictEqual(sizes, [3, 3, 1])
          assert.deepStrictEqual(seen, newestFirst)
          // A full last page says so: no cursor to an empty page.
          const exact = yield* jobs.list(cast.owner, { limit: 7 })
          assert.strictEqual(exact.next_cursor, null)

          for (const bad of ["!!!", "bm90IGpzb24", encodeCursor({ created_at: DateTime.makeUnsafe(0), id: newestFirst[0] ?? "" }).slice(0, -4)]) {
            const refused = yield* Effect.flip(jobs.list(cast.owner, { cursor: bad }))
            assert.deepStrictEqual(refused._tag === "Validation" ? refused.field : "", "cursor")
          }
          const tooMany = yield* Effect.flip(jobs.list(cast.owner, { limit: 500 }))
          assert.deepStrictEqual(tooMany._tag === "Validation" ? tooMany.field : "", "limit")
        }))

      it.effect("filters by status, domain, owner and creation time; a user's listing is narrowed to their own", () =>
        Effect.gen(function*() {
          const jobs = yield* JobService
          const cast = freshCast()
          const domain = freshDomain()
          const a = yield* jobs.create(cast.owner, { domain, name: "a" })
          const b = yield* jobs.create(cast.owner, { domain: "qr", name: "b" })
          yield* jobs.start(cast.owner, a.id)
          const mid = DateTime.makeUnsafe(Date.now())
          yield* Effect.sleep("5 millis")
          const c = yield* jobs.create(cast.owner, { domain, name: "c" })
          const theirs = yield* jobs.create(cast.other, { domain, name: "theirs" })

          assert.deepStrictEqual(ids(yield* jobs.list(cast.owner, {})), [c.id, b.id, a.id])
          assert.deepStrictEqual(ids(yield* jobs.list(cast.owner, { status: ["running"] })), [a.id])
          assert.deepStrictEqual(ids(yield* jobs.list(cast.owner, { status: ["pending", "running"], domain })), [c.id, a.id])
          assert.deepStrictEqual(ids(yield* jobs.list(cast.owner, { created_from: mid })), [c.id])
          assert.deepStrictEqual(ids(yield* jobs.list(cast.owner, { created_to: mid })), [b.id, a.id])
          // Asking for another owner's jobs narrows to nothing, it is not refused.
          assert.deepStrictEqual(ids(yield* jobs.list(cast.owner, { user_id: cast.other.userId })), [])
          assert.deepStrictEqual(ids(yield* jobs.list(cast.operator, { domain })), [theirs.id, c.id, a.id])
          assert.deepStrictEqual(ids(yield* jobs.list(cast.operator, { domain, user_id: cast.other.userId })), [theirs.id])

          assert.deepStrictEqual((yield* jobs.pending(cast.owner)).map((job) => job.id), [b.id, c.id])
          assert.deepStrictEqual((yield* jobs.running(cast.owner)).map((job) => job.id), [a.id])
          assert.deepStrictEqual((yield* jobs.pending(cast.other)).map((job) => job.id), [theirs.id])
          const everyone = (yield* jobs.pending(cast.operator)).map((job) => job.id)
          assert.includeMembers(everyone, [b.id, c.id, theirs.id])
        }))
    })

    jobTaskRuleTests(it)
  })
