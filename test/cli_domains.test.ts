/**
 * Every domain end to end through the real CLI processes against a real redis-server: `worker`,
 * `enqueue` of the domain's fixture, `status` until completed, the result file in the store
 * directory with the reported size, lifecycle events on the domain's channel, SIGTERM exit 0.
 * The turkic corpus goes in through a databank upload and is then read by `input_id`.
 */
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { Redis as IORedis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { findJob } from "../src/domains/registry.js"
import { type LongRunning, runCli, startCli, waitFor } from "./support/Cli.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

const fixture = (path: string) => readFileSync(new URL(`fixtures/${path}`, import.meta.url))
const text = (path: string) => fixture(path).toString("utf8")

const corpus = fixture("turkic/kk_cyrillic.txt")
const corpusSha = createHash("sha256").update(corpus).digest("hex")

const domains = ["databank", "turkic", "transcript", "covenant", "music_wrapped", "catalog"] as const
type Domain = (typeof domains)[number]

const payloads: Record<Exclude<Domain, "turkic">, unknown> = {
  databank: { op: "upload", data_base64: corpus.toString("base64"), sha256: corpusSha, size: corpus.length },
  transcript: { text: text("transcript/rolling.vtt") },
  covenant: { csv: text("covenant/deals.csv") },
  music_wrapped: { history: text("music_wrapped/Streaming_History_Audio_2024.json"), year: 2024 },
  catalog: { csv: text("catalog/mercado_livre_electronics.csv"), marketplace: "mercado_livre", category: "electronics" }
}

let server: RedisServerHandle
let redis: IORedis
let subscriber: IORedis
let resultDir: string
let env: Record<string, string>
const seen = new Map<string, Array<string>>()

beforeAll(async () => {
  server = await startRedisServer()
  redis = new IORedis(server.port, "127.0.0.1")
  subscriber = new IORedis(server.port, "127.0.0.1")
  subscriber.on("message", (channel: string, message: string) => {
    const type = decode(Schema.Struct({ type: Schema.String }), message).type
    seen.set(channel, [...(seen.get(channel) ?? []), type])
  })
  await subscriber.subscribe(...domains.map((d) => `${d}:events`))
  resultDir = mkdtempSync(join(tmpdir(), "jobs-cli-domains-"))
  env = { REDIS_URL: server.url, RESULT_STORE_DIR: resultDir }
})

afterAll(async () => {
  await subscriber.quit()
  await redis.quit()
  await server.stop(true)
  rmSync(server.dir, { recursive: true, force: true })
  rmSync(resultDir, { recursive: true, force: true })
})

const enqueue = async (domain: Domain, payload: unknown): Promise<string> => {
  const result = await runCli(["enqueue", "--domain", domain, "--user-id", "5", "--payload", JSON.stringify(payload)], env, 60_000)
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.trim()
}

// A cheap look at the job hash between CLI calls; the CLI's own `status` confirms at the end.
const finished = (domain: Domain, jobId: string) =>
  waitFor(async () => ["completed", "failed"].includes((await redis.hget(`${domain}:job:${jobId}`, "status")) ?? ""), 60_000, `${domain} job ${jobId}`)

const Status = Schema.Struct({
  job_id: Schema.String,
  status: Schema.String,
  progress: Schema.Number,
  error: Schema.NullOr(Schema.String),
  result_id: Schema.String,
  result_bytes: Schema.Number
})
const Id = Schema.Struct({ result_id: Schema.String })
const CatalogResult = Schema.Struct({ metrics: Schema.Record(Schema.String, Schema.Number), context: Schema.Record(Schema.String, Schema.String) })
const TurkicResult = Schema.Struct({ outputs: Schema.Struct({ corpus: Id }) })
const CovenantResult = Schema.Struct({ breach: Schema.Number, nearBreach: Schema.Number, pass: Schema.Number })
const decode = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, json: string) =>
  Schema.decodeUnknownSync(Schema.fromJsonString(schema))(json)

const status = async (domain: Domain, jobId: string) => {
  const result = await runCli(["status", "--domain", domain, jobId], env, 60_000)
  expect(result.code, result.stderr).toBe(0)
  return decode(Status, result.stdout)
}

const storedFile = (id: string) => join(resultDir, id.slice(0, 2), id.slice(2, 4), id)

describe("every domain through the CLI on a real redis-server", () => {
  it("worker, enqueue, status completed, result file of the reported size, events, SIGTERM exit 0", async () => {
    const workers = new Map<Domain, LongRunning>(domains.map((d) => [d, startCli(["worker", "--domain", d, "--concurrency", "1"], env)]))
    try {
      const direct = ["databank", "transcript", "covenant", "music_wrapped", "catalog"] as const
      const ids = new Map<Domain, string>(await Promise.all(direct.map(async (d) => [d, await enqueue(d, payloads[d])] as const)))

      await finished("databank", ids.get("databank") ?? "")
      ids.set("turkic", await enqueue("turkic", { input_id: corpusSha, lang: "kk", transliterate: "cyr2lat" }))

      await Promise.all(domains.map((d) => finished(d, ids.get(d) ?? "")))
      const statuses = new Map(await Promise.all(domains.map(async (d) => [d, await status(d, ids.get(d) ?? "")] as const)))
      const resultOf = (d: Domain) => readFileSync(storedFile(statuses.get(d)?.result_id ?? ""), "utf8")
      for (const d of domains) {
        const s = statuses.get(d)
        if (s === undefined) throw new Error(`no status for ${d}`)
        expect(s, d).toMatchObject({ job_id: ids.get(d), status: "completed", progress: 100, error: null })
        expect(statSync(storedFile(s.result_id)).size, d).toBe(s.result_bytes)
        const events = seen.get(`${d}:events`) ?? []
        expect(events[0], d).toBe(`${d}.job.started.v1`)
        expect(events, d).toContain(`${d}.job.progress.v1`)
        expect(events.at(-1), d).toBe(`${d}.job.completed.v1`)
      }
      // Real figures from the stored results; the upload's id is the corpus's sha256.
      expect(statuses.get("databank")).toMatchObject({ result_id: corpusSha, result_bytes: corpus.length })
      const catalog = decode(CatalogResult, resultOf("catalog"))
      expect(catalog.metrics).toMatchObject({ total_rows: 8, valid_rows: 3, error_rows: 5, warning_rows: 2 })
      expect(catalog.context).toEqual({ marketplace: "mercado_livre", category: "electronics", region: "br" })
      const turkic = decode(TurkicResult, resultOf("turkic"))
      expect(readFileSync(storedFile(turkic.outputs.corpus.result_id), "utf8")).toMatch(/^Būryñğy ötken zamanda/)
      const covenant = decode(CovenantResult, resultOf("covenant"))
      expect([covenant.breach, covenant.nearBreach, covenant.pass]).toEqual([2, 2, 3])
    } finally {
      const codes = await Promise.all(domains.map(async (d) => [d, await workers.get(d)?.stop("SIGTERM")] as const))
      expect(codes).toEqual(domains.map((d) => [d, 0]))
    }
  }, 180_000)

  it("enqueue validation: every domain's registered schema accepts its fixture and names an unknown field", async () => {
    const all: Record<Domain, unknown> = { ...payloads, turkic: { text: text("turkic/tr_mixed_case.txt"), lang: "tr" } }
    for (const d of domains) {
      const job = await Effect.runPromise(findJob(d))
      await Effect.runPromise(job.validatePayload(all[d]))
      const refused = await Effect.runPromise(Effect.flip(job.validatePayload({ ...Object(all[d]), priority: 1 })))
      expect(refused.message, d).toContain(`unknown field "priority"`)
    }
  })
})
