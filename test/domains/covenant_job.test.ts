/** The covenant job end to end on the real worker and a real redis-server: fixture, input ids, bad inputs. */
import { readFileSync } from "node:fs"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { covenantJob, CovenantJobPayload } from "../../src/domains/covenant/job.js"
import { decodeCovenantPayload, MAX_CSV_BYTES } from "../../src/domains/covenant/Payload.js"
import {
  awaitFinished,
  decodeJson,
  domainJobLayer,
  enqueue,
  jobEvents,
  progressMessages,
  putInput,
  putText,
  readResult,
  readText,
  startDomainWorker
} from "../support/DomainJobHarness.js"

const deals = readFileSync(new URL("../fixtures/covenant/deals.csv", import.meta.url), "utf8")

const Report = Schema.Struct({
  headroom: Schema.Number,
  rows: Schema.Number,
  deals: Schema.Number,
  pass: Schema.Number,
  nearBreach: Schema.Number,
  breach: Schema.Number,
  results: Schema.Array(Schema.Struct({ dealId: Schema.String, quarter: Schema.String, status: Schema.String })),
  outputs: Schema.Struct({ csv: Schema.Struct({ result_id: Schema.String, bytes: Schema.Number }) })
})

const runJob = (payload: unknown) =>
  Effect.gen(function*() {
    const jobId = yield* enqueue("covenant", payload)
    return { jobId, record: yield* awaitFinished("covenant", jobId) }
  })

describe("covenant job payload", () => {
  it.effect("rejects every payload the domain's strict decoder rejects", () =>
    Effect.gen(function*() {
      const rejected: ReadonlyArray<object> = [{}, { csv: 3 }, { csv: "a", headroom: 1.5 }, { csv: "a", headroom: "0.1" }, { csv: "a", currency: "EUR" }]
      for (const payload of rejected) {
        assert.strictEqual((yield* Effect.result(decodeCovenantPayload(payload)))._tag, "Failure", JSON.stringify(payload))
        assert.strictEqual((yield* Effect.result(Schema.decodeUnknownEffect(CovenantJobPayload)(payload)))._tag, "Failure", JSON.stringify(payload))
      }
    }))
})

layer(domainJobLayer(), { excludeTestServices: true, timeout: "60 seconds" })("covenant job on redis-server", (withRedis) => {
  withRedis.effect("the deals fixture: breaches and near-breaches per deal-quarter, CSV report by id", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(covenantJob)
      const { jobId, record } = yield* runJob({ csv: deals })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const report = yield* decodeJson(Report, yield* readResult(record))
      assert.deepStrictEqual([report.rows, report.deals, report.pass, report.nearBreach, report.breach], [7, 4, 3, 2, 2])
      // D-100 Q3: debt/EBITDA 4.0 over a 3.5 maximum; D-200 Q1: negative EBITDA.
      assert.deepStrictEqual(
        report.results.filter((r) => r.status === "breach").map((r) => `${r.dealId} ${r.quarter}`),
        ["D-100 2024Q3", "D-200 2024Q1"]
      )
      const csv = yield* readText(report.outputs.csv.result_id)
      assert.strictEqual(Buffer.byteLength(csv), report.outputs.csv.bytes)
      const lines = csv.trim().split("\r\n")
      assert.strictEqual(lines.length, 8)
      assert.strictEqual(lines[3], `D-100,"Acme Tools, Inc.",2024Q3,4,3.5,breach,2.5,3,breach,1.1,1.2,breach,breach,`)
      const messages = progressMessages(yield* jobEvents("covenant", jobId))
      assert.include(messages, "tested 7 of 7 deal-quarters")
      assert.isTrue(messages.some((m) => m.startsWith("2 breach, 2 near breach, 3 pass across 4 deals; CSV stored as ")))
    }))

  withRedis.effect("reads the CSV by input_id and applies the headroom", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(covenantJob)
      const input = yield* putText(deals)
      const { record } = yield* runJob({ input_id: input.id, headroom: 0 })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const report = yield* decodeJson(Report, yield* readResult(record))
      // Without headroom nothing is near breach: D-100 Q2 and D-400 (exactly at its thresholds) pass.
      assert.deepStrictEqual([report.headroom, report.pass, report.nearBreach, report.breach], [0, 5, 0, 2])
    }))

  withRedis.effect("bad inputs fail as user errors naming line and column; the worker keeps going", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(covenantJob)
      const latin1 = yield* putInput(new Uint8Array([...new TextEncoder().encode(deals), 0xe9]))
      const oversize = yield* putText("x".repeat(MAX_CSV_BYTES + 1))
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ csv: "deal_id,borrower\nA,B\n" }, "missing columns: quarter, total_debt"],
        [{ csv: deals.replace("3000000", "3e6x") }, `line 2, column total_debt: "3e6x" is not a number`],
        [{ input_id: latin1.id }, "unknown encoding: the CSV is not valid UTF-8"],
        [{ input_id: oversize.id }, `is ${MAX_CSV_BYTES + 1} bytes, the limit is ${MAX_CSV_BYTES} bytes`],
        [{ csv: deals, headroom: 2 }, `["headroom"]`]
      ]
      for (const [payload, message] of cases) {
        const { jobId, record } = yield* runJob(payload)
        assert.strictEqual(record.status.status, "failed")
        assert.strictEqual(record.errorKind, "user")
        assert.include(record.lastError ?? "", message)
        assert.strictEqual((yield* jobEvents("covenant", jobId)).at(-1)?.type, "covenant.job.failed.v1")
      }
      const { record } = yield* runJob({ csv: deals })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
    }))
})
