/**
 * The run projection's delivery guarantees, through real workers: a projection that died after
 * reading entries it never acknowledged resumes with them (nothing lost), and replaying the log, entry
 * by entry or by rewinding the consumer group, changes no row (nothing applied twice).
 */
import { assert, type Vitest } from "@effect/vitest"
import { Duration, Effect, type Layer } from "effect"
import { SqlClient } from "effect/sql"
import { eventsLogKey } from "../../src/contracts/Keys.js"
import { Producer } from "../../src/runtime/Producer.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { replyArray, replyRecord, replyString } from "../../src/redis/RedisReply.js"
import { JobService } from "../../src/services/jobs/JobService.js"
import { applyEntry, defaultGroup, projectDomain, readEntries } from "../../src/services/jobs/RunProjection.js"
import { finished, freshCast, type jobServiceLayer, runtimeFor, waitFor } from "./jobServiceSupport.js"

type It = Vitest.MethodsNonLive<Layer.Success<ReturnType<typeof jobServiceLayer>>>

export const projectionReplayTests = (it: It, redis: "server" | "memory") => {
  if (redis === "server") {
    it.effect("a projection that stopped after reading entries it never acknowledged resumes with them: nothing lost", () =>
      Effect.gen(function*() {
        const jobs = yield* JobService
        const producer = yield* Producer
        const client = yield* RedisClient
        const { domain } = yield* runtimeFor({ projection: false })
        const stream = eventsLogKey(domain)
        const cast = freshCast()
        const job = yield* jobs.create(cast.owner, { domain, name: "crash", payload: { mode: "fail-once" } })
        yield* jobs.start(cast.owner, job.id)
        yield* producer.awaitOutcome(domain, `svc-${job.id}-1`, { timeout: Duration.seconds(15) })
        // A projection read the first entries and died before its transaction committed.
        yield* client.send("XGROUP", "CREATE", stream, defaultGroup, "0", "MKSTREAM")
        const taken = readEntries(yield* client.send("XREADGROUP", "GROUP", defaultGroup, "projection", "COUNT", "3", "STREAMS", stream, ">"))
        assert.strictEqual(taken.length, 3)
        assert.strictEqual((yield* groupState(stream)).pending, 3)
        yield* projectDomain(domain, { blockMs: 100 })
        const done = yield* waitFor(jobs.get(cast.owner, job.id), finished, "the job to be projected")
        assert.strictEqual(done.status, "succeeded")
        assert.deepStrictEqual((yield* jobs.history(cast.owner, job.id)).map((run) => run.outcome), ["retrying", "succeeded"])
        const lastId = (yield* readLog(stream)).at(-1)?.id
        yield* waitFor(groupState(stream), (state) => state.pending === 0 && state.lastDelivered === lastId, "every entry acknowledged")
      }).pipe(Effect.scoped))
  }

  it.effect("replaying the log changes nothing: every entry is skipped, and a rewound group rewrites no row", () =>
    Effect.gen(function*() {
      const jobs = yield* JobService
      const producer = yield* Producer
      const client = yield* RedisClient
      const sql = yield* SqlClient.SqlClient
      const { domain } = yield* runtimeFor()
      const stream = eventsLogKey(domain)
      const cast = freshCast()
      for (const mode of ["ok", "fail-once", "user-error"] as const) {
        const job = yield* jobs.create(cast.owner, { domain, name: mode, payload: { mode } })
        yield* jobs.start(cast.owner, job.id)
      }
      yield* producer.enqueueJson(domain, { mode: "ok" }, { userId: cast.other.userId, jobId: "direct-replay" })
      yield* waitFor(jobs.list(cast.operator, { domain }), (page) => page.items.length === 4 && page.items.every(finished), "four finished jobs")
      const lastId = (yield* readLog(stream)).at(-1)?.id ?? ""
      yield* waitFor(position(stream), (at) => at === lastId, "the projection to reach the end of the log")

      const snapshot = Effect.gen(function*() {
        const rows = yield* sql`SELECT id::text AS id, status, attempts, runtime_job_id, updated_at FROM jobs WHERE domain = ${domain} ORDER BY id`
        const runs = yield* sql`SELECT r.* FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.domain = ${domain}
          ORDER BY r.job_id, r.attempt`
        const outbox = yield* sql`SELECT count(*)::int AS n FROM outbox`
        return { rows, runs, outbox, position: yield* position(stream) }
      }).pipe(Effect.orDie)
      const before = yield* snapshot
      assert.strictEqual(before.rows.length, 4)
      assert.strictEqual(before.runs.length, 5)

      // Every entry again, straight through applyEntry: all at or before the recorded position.
      const entries = yield* readLog(stream)
      const applied = yield* Effect.forEach(entries, (entry) => applyEntry(domain, entry.id, entry.json).pipe(Effect.orDie))
      assert.deepStrictEqual(new Set(applied), new Set(["skipped"]))
      assert.deepStrictEqual(yield* snapshot, before)

      if (redis === "server") {
        // The group rewound to the start: the running projection reads the whole log again.
        yield* client.send("XGROUP", "SETID", stream, defaultGroup, "0")
        yield* waitFor(groupState(stream), (state) => state.lastDelivered === lastId && state.pending === 0, "the replay to be read")
        assert.deepStrictEqual(yield* snapshot, before)
      }
    }).pipe(Effect.scoped))
}

/** Every entry of a log, as the projection reads them. */
const readLog = (stream: string) =>
  Effect.gen(function*() {
    const client = yield* RedisClient
    const reply = yield* client.send("XRANGE", stream, "-", "+")
    return readEntries([[stream, reply]])
  }).pipe(Effect.orDie)

const position = (stream: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly position: string }>`SELECT position FROM projection_offsets WHERE stream = ${stream}`
    return rows[0]?.position
  }).pipe(Effect.orDie)

const groupState = (stream: string) =>
  Effect.gen(function*() {
    const client = yield* RedisClient
    const groups = replyArray(yield* client.send("XINFO", "GROUPS", stream)) ?? []
    for (const group of groups) {
      const flat = (replyArray(group) ?? []).map((value) => (typeof value === "number" ? String(value) : replyString(value) ?? ""))
      const record = replyRecord(flat) ?? {}
      if (record["name"] === defaultGroup) return { lastDelivered: record["last-delivered-id"], pending: Number(record["pending"]) }
    }
    return { lastDelivered: undefined, pending: -1 }
  }).pipe(Effect.orDie)
