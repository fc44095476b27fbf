/** The catalog job (seed 004) end to end on the real worker and a real redis-server: fixtures, metrics, bad inputs. */
import { readFileSync } from "node:fs"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { catalogJob, CatalogJobPayload } from "../../src/domains/catalog/job.js"
import { decodeCatalogPayload, MAX_CATALOG_BYTES } from "../../src/domains/catalog/Payload.js"
import { TelemetryMetrics } from "../../src/contracts/Telemetry.js"
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

const fixture = (name: string) => readFileSync(new URL(`../fixtures/catalog/${name}`, import.meta.url), "utf8")

const Report = Schema.Struct({
  context: Schema.Struct({ marketplace: Schema.String, category: Schema.String, region: Schema.String }),
  metrics: Schema.Struct({
    total_rows: Schema.Number,
    valid_rows: Schema.Number,
    error_rows: Schema.Number,
    warning_rows: Schema.Number,
    payload_bytes: Schema.Number,
    latency_ms: Schema.Number
  }),
  ignored_columns: Schema.Array(Schema.String),
  issues: Schema.Array(Schema.Struct({ line: Schema.Number, severity: Schema.String, code: Schema.String, message: Schema.String })),
  outputs: Schema.Struct({ issues_csv: Schema.Struct({ result_id: Schema.String, bytes: Schema.Number }) })
})

const runJob = (payload: unknown) =>
  Effect.gen(function*() {
    const jobId = yield* enqueue("catalog", payload)
    return { jobId, record: yield* awaitFinished("catalog", jobId) }
  })

describe("catalog job payload", () => {
  it.effect("rejects every payload the domain's strict decoder rejects", () =>
    Effect.gen(function*() {
      const rejected: ReadonlyArray<object> = [
        { csv: "sku", marketplace: "amazon" },
        { csv: "sku", category: "books" },
        { csv: 1, marketplace: "amazon", category: "books" },
        { csv: "sku", marketplace: "amazon", category: "books", region: 5 },
        { csv: "sku", marketplace: "amazon", category: "books", strict: true }
      ]
      for (const payload of rejected) {
        assert.strictEqual((yield* Effect.result(decodeCatalogPayload(payload)))._tag, "Failure", JSON.stringify(payload))
        assert.strictEqual((yield* Effect.result(Schema.decodeUnknownEffect(CatalogJobPayload)(payload)))._tag, "Failure", JSON.stringify(payload))
      }
    }))
})

layer(domainJobLayer(), { excludeTestServices: true, timeout: "60 seconds" })("catalog job on redis-server", (withRedis) => {
  withRedis.effect("the Mercado Livre fixture: seed 004 metrics and context, per-row issues, issues CSV by id", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(catalogJob)
      const csv = fixture("mercado_livre_electronics.csv")
      const { jobId, record } = yield* runJob({ csv, marketplace: "mercado_livre", category: "electronics" })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const report = yield* decodeJson(Report, yield* readResult(record))
      assert.deepStrictEqual(report.context, { marketplace: "mercado_livre", category: "electronics", region: "br" })
      const { latency_ms, ...counts } = report.metrics
      assert.deepStrictEqual(counts, { total_rows: 8, valid_rows: 3, error_rows: 5, warning_rows: 2, payload_bytes: Buffer.byteLength(csv) })
      assert.isAtLeast(latency_ms, 0)
      // The metrics are in the shape seed 004's telemetry events carry.
      yield* Schema.decodeUnknownEffect(TelemetryMetrics, { onExcessProperty: "error" })(report.metrics)
      assert.deepStrictEqual(report.ignored_columns, ["color"])
      // ML-001 appears again on line 6; line 4 writes its price with a decimal comma.
      assert.deepStrictEqual(report.issues.filter((i) => i.severity === "error").map((i) => `${i.line} ${i.code}`), [
        "4 price_format", "5 gtin_invalid", "6 duplicate_sku", "7 title_too_long", "7 condition_invalid", "8 missing_value", "8 stock_format"
      ])
      const issuesCsv = yield* readText(report.outputs.issues_csv.result_id)
      assert.strictEqual(issuesCsv.trim().split("\r\n").length, 1 + report.issues.length)
      const messages = progressMessages(yield* jobEvents("catalog", jobId))
      assert.include(messages, "validated 8 of 8 rows")
      assert.isTrue(messages.some((m) => m.startsWith("8 rows: 3 valid, 5 with errors, 2 with warnings; issues CSV stored as ")))
    }))

  withRedis.effect("reads the Amazon books file by input_id in the uk region", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(catalogJob)
      const input = yield* putText(fixture("amazon_books.csv"))
      const { record } = yield* runJob({ input_id: input.id, marketplace: "amazon", category: "books", region: "uk" })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const report = yield* decodeJson(Report, yield* readResult(record))
      assert.deepStrictEqual(report.context, { marketplace: "amazon", category: "books", region: "uk" })
      assert.deepStrictEqual([report.metrics.total_rows, report.metrics.valid_rows, report.metrics.error_rows], [4, 1, 3])
      assert.deepStrictEqual(report.issues.map((i) => i.code), ["gtin_not_isbn", "price_range", "gtin_invalid"])
    }))

  withRedis.effect("2000 rows: at most 20 progress events, counting rows as they are validated", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(catalogJob)
      const rows = Array.from({ length: 2000 }, (_, i) => `ML-${i},Smartphone Moto G54 128GB Azul Tela 6.5,1299.90,${i % 7},Motorola,7891000000014,new`)
      const csv = ["sku,title,price,stock,brand,gtin,condition", ...rows].join("\n")
      const { jobId, record } = yield* runJob({ csv, marketplace: "mercado_livre", category: "electronics" })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
      const report = yield* decodeJson(Report, yield* readResult(record))
      // Stock 0 on every seventh row is an out-of-stock warning, not an error.
      assert.deepStrictEqual([report.metrics.valid_rows, report.metrics.warning_rows], [2000, 286])
      const messages = progressMessages(yield* jobEvents("catalog", jobId))
      assert.isAtMost(messages.length, 20)
      assert.include(messages, "validated 500 of 2000 rows")
      assert.include(messages, "validated 2000 of 2000 rows")
    }))

  withRedis.effect("bad inputs fail as user errors with clear messages; the worker keeps going", () =>
    Effect.gen(function*() {
      yield* startDomainWorker(catalogJob)
      const csv = fixture("mercado_livre_electronics.csv")
      const latin1 = yield* putInput(new Uint8Array([...new TextEncoder().encode("sku,title\nA,Caf"), 0xe9]))
      const oversize = yield* putText("x".repeat(MAX_CATALOG_BYTES + 1))
      const target = { marketplace: "mercado_livre", category: "electronics" }
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ ...target, csv: "sku,title\nA,B\n" }, "missing columns for mercado_livre/electronics: price, stock, brand, gtin, condition"],
        [{ ...target, csv: `sku,title,price,stock,brand,gtin,condition\n"A,B` }, "line 2"],
        [{ ...target, csv: "sku,title,price,stock,brand,gtin,condition\n" }, "the CSV has a header but no products"],
        [{ csv, marketplace: "ebay", category: "electronics" }, `unknown marketplace "ebay"`],
        [{ ...target, csv, region: "us" }, `unknown region "us" for mercado_livre`],
        [{ ...target, input_id: latin1.id }, "unknown encoding: the CSV is not valid UTF-8"],
        [{ ...target, input_id: oversize.id }, `is ${MAX_CATALOG_BYTES + 1} bytes, the limit is ${MAX_CATALOG_BYTES} bytes`],
        [{ ...target, csv, dialect: "excel" }, `unknown field "dialect"`]
      ]
      for (const [payload, message] of cases) {
        const { jobId, record } = yield* runJob(payload)
        assert.strictEqual(record.status.status, "failed")
        assert.strictEqual(record.errorKind, "user")
        assert.include(record.lastError ?? "", message)
        assert.strictEqual((yield* jobEvents("catalog", jobId)).at(-1)?.type, "catalog.job.failed.v1")
      }
      const { record } = yield* runJob({ ...target, csv })
      assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
    }))
})
