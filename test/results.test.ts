/**
 * Reading results back, end to end: real qr jobs run to completion on a real redis-server with the
 * filesystem result store, then `result` (the real CLI, as a child process) and the HTTP routes
 * must hand back exactly the stored bytes, and refuse clearly what they cannot serve.
 */
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { qrJob } from "../src/domains/qr/job.js"
import { DashboardToken } from "../src/http/DashboardToken.js"
import { startHttpServer } from "../src/http/HttpServer.js"
import { JobQueue } from "../src/runtime/JobQueue.js"
import { JobStore } from "../src/runtime/JobStore.js"
import { ResultStore } from "../src/runtime/ResultStore.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../src/runtime/RuntimeLayer.js"
import { startWorker } from "../src/runtime/Worker.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

const resultDir = mkdtempSync(join(tmpdir(), "jobs-results-"))
const outDir = mkdtempSync(join(tmpdir(), "jobs-results-out-"))
afterAll(() => {
  rmSync(resultDir, { recursive: true, force: true })
  rmSync(outDir, { recursive: true, force: true })
})

const token = "r3sults-t0ken"
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")
const missingId = sha256(new TextEncoder().encode("never stored"))

/** Jobs that ran before the tests: two completed qr jobs (PNG, SVG) and one still queued. */
class Fixtures extends Context.Service<Fixtures, {
  readonly png: { readonly jobId: string; readonly resultId: string }
  readonly svg: { readonly jobId: string; readonly resultId: string }
  readonly queuedJobId: string
}>()("test/ResultFixtures") {}

const awaitResultId = (jobId: string) =>
  Effect.gen(function*() {
    const store = yield* JobStore
    for (let i = 0; i < 1_000; i++) {
      const record = yield* store.loadRecord("qr", jobId)
      if (Option.isSome(record) && record.value.status.status === "completed" && record.value.resultId !== null) {
        return record.value.resultId
      }
      yield* Effect.sleep("20 millis")
    }
    return yield* Effect.die(new Error(`qr job ${jobId} did not complete`))
  })

const fixtures = Layer.effect(Fixtures, Effect.gen(function*() {
  const queue = yield* JobQueue
  const enqueue = (payload: unknown, runAt?: number) =>
    queue.enqueue({ domain: "qr", userId: 5n, payload, maxAttempts: 1, ...(runAt === undefined ? {} : { runAt }) }).pipe(Effect.map((j) => j.jobId))
  const pngJob = yield* enqueue({ text: "results over http", format: "png", size: 300 })
  const svgJob = yield* enqueue({ text: "results over http", format: "svg" })
  // Due in an hour: it stays queued for the whole file.
  const queuedJobId = yield* enqueue({ text: "later" }, Date.now() + 3_600_000)
  yield* Effect.scoped(Effect.gen(function*() {
    yield* startWorker(qrJob, { concurrency: 2, idleWaitMs: 50, graceMs: 500 })
    yield* awaitResultId(pngJob)
    yield* awaitResultId(svgJob)
  }))
  return Fixtures.of({
    png: { jobId: pngJob, resultId: yield* awaitResultId(pngJob) },
    svg: { jobId: svgJob, resultId: yield* awaitResultId(svgJob) },
    queuedJobId
  })
}))

const redisServer = RedisServer.layer()
const services = fixtures.pipe(
  Layer.provideMerge(Layer.mergeAll(
    runtimeLayer(redisClientOnServer.pipe(Layer.provide(redisServer)), RuntimeConfig.layerWith({ leaseMs: 10_000, defaultBackoffMs: 20 })),
    ResultStore.layerFileSystem({ root: resultDir, maxBytes: 64 * 1024 * 1024 })
  )),
  Layer.provideMerge(redisServer)
)

interface BinaryRun {
  readonly code: number | null
  readonly stdout: Buffer
  readonly stderr: string
}

/** The real CLI with stdout kept as bytes (test/support/Cli.ts decodes it as text). */
const resultCli = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const server = yield* RedisServer
    const env = { ...process.env, REDIS_URL: server.url, RESULT_STORE_DIR: resultDir }
    return yield* Effect.promise(() =>
      new Promise<BinaryRun>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "result", ...args], { env, stdio: ["ignore", "pipe", "pipe"] })
        const out: Array<Buffer> = []
        let stderr = ""
        child.stdout.on("data", (d: Buffer) => out.push(d))
        child.stderr.on("data", (d: Buffer) => { stderr += d.toString() })
        child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr }))
      })
    )
  })

const stored = (id: string) =>
  Effect.gen(function*() {
    const store = yield* ResultStore
    return Buffer.from(yield* store.get(id))
  })

/** A failed `result`: exit 1, nothing on stdout, exactly one line on stderr matching `pattern`. */
const assertOneLineError = (run: BinaryRun, pattern: RegExp) => {
  assert.strictEqual(run.code, 1, run.stderr)
  assert.strictEqual(run.stdout.length, 0)
  const lines = run.stderr.trimEnd().split("\n")
  assert.strictEqual(lines.length, 1, run.stderr)
  assert.match(lines[0] ?? "", pattern)
}

interface Fetched {
  readonly status: number
  readonly type: string | null
  readonly length: string | null
  readonly body: Buffer
}

const fetchBytes = (url: string, bearer?: string) =>
  Effect.promise(async (): Promise<Fetched> => {
    const response = await fetch(url, { headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } })
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      length: response.headers.get("content-length"),
      body: Buffer.from(await response.arrayBuffer())
    }
  })

const errorOf = (fetched: Fetched): string => {
  const body: { readonly error?: unknown } = JSON.parse(fetched.body.toString("utf8"))
  return String(body.error)
}

const server = (tokenValue: string | undefined) =>
  startHttpServer({
    port: 0,
    domains: ["qr"],
    dashboard: { token: DashboardToken.layer(tokenValue), results: ResultStore.layerFileSystem({ root: resultDir, maxBytes: 64 * 1024 * 1024 }) }
  })

layer(services, { excludeTestServices: true, timeout: "120 seconds" })("results", (it) => {
  it.effect("`result --domain qr <job-id>` writes the stored bytes to stdout and to --out", () =>
    Effect.gen(function*() {
      const { png, svg } = yield* Fixtures
      const pngBytes = yield* stored(png.resultId)
      assert.strictEqual(sha256(pngBytes), png.resultId)
      const outFile = join(outDir, "qr.png")
      const [toStdout, toFile, byId] = yield* Effect.all([
        resultCli(["--domain", "qr", png.jobId]),
        resultCli(["--domain", "qr", png.jobId, "--out", outFile]),
        resultCli(["--id", svg.resultId])
      ], { concurrency: "unbounded" })
      assert.strictEqual(toStdout.code, 0, toStdout.stderr)
      assert.isTrue(toStdout.stdout.equals(pngBytes))
      assert.strictEqual(toFile.code, 0, toFile.stderr)
      assert.strictEqual(toFile.stdout.length, 0)
      assert.isTrue(readFileSync(outFile).equals(pngBytes))
      // Written beside the target and renamed: no partial file remains.
      assert.deepStrictEqual(readdirSync(outDir), ["qr.png"])
      assert.strictEqual(byId.code, 0, byId.stderr)
      assert.strictEqual(sha256(byId.stdout), svg.resultId)
      assert.match(byId.stdout.toString("utf8"), /<svg/)
    }))

  it.effect("`result` refuses with one line and exit 1: unknown job, unfinished job, missing or malformed id, no target", () =>
    Effect.gen(function*() {
      const { queuedJobId } = yield* Fixtures
      const [unknownJob, queued, missing, malformed, nothing] = yield* Effect.all([
        resultCli(["--domain", "qr", "no-such-job"]),
        resultCli(["--domain", "qr", queuedJobId]),
        resultCli(["--id", missingId, "--out", join(outDir, "missing.bin")]),
        resultCli(["--id", "not-a-sha"]),
        resultCli([])
      ], { concurrency: "unbounded" })
      assertOneLineError(unknownJob, /^error: no job no-such-job in domain qr/)
      assertOneLineError(queued, new RegExp(`^error: job ${queuedJobId} in domain qr is queued, not completed`))
      assertOneLineError(missing, new RegExp(`^error: Result ${missingId} not found`))
      assert.isFalse(readdirSync(outDir).includes("missing.bin"))
      assertOneLineError(malformed, /^error: Invalid result id "not-a-sha"/)
      assertOneLineError(nothing, /^error: name the result/)
    }))

  it.effect("GET /api/results/:id streams the exact bytes with Content-Type and Content-Length", () =>
    Effect.scoped(Effect.gen(function*() {
      const { png, svg } = yield* Fixtures
      const store = yield* ResultStore
      const http = yield* server(token)
      const json = yield* store.put(new TextEncoder().encode(JSON.stringify({ rows: [1, 2, 3] })))
      // Larger than several read chunks, so the body really is a stream of many.
      const big = new Uint8Array(5 * 1024 * 1024 + 17).map((_, i) => (i * 31) % 251)
      const bigStored = yield* store.put(big)
      const cases = [
        { id: png.resultId, type: "image/png" },
        { id: svg.resultId, type: "image/svg+xml" },
        { id: json.id, type: "application/json" },
        { id: bigStored.id, type: "application/octet-stream" }
      ]
      for (const c of cases) {
        const expected = yield* stored(c.id)
        const got = yield* fetchBytes(`${http.url}/api/results/${c.id}`, token)
        assert.strictEqual(got.status, 200)
        assert.strictEqual(got.type, c.type)
        assert.strictEqual(got.length, String(expected.length))
        assert.isTrue(got.body.equals(expected), `bytes of ${c.type}`)
      }
      const byJob = yield* fetchBytes(`${http.url}/api/jobs/qr/${png.jobId}/result`, token)
      assert.strictEqual(byJob.status, 200)
      assert.strictEqual(byJob.type, "image/png")
      assert.isTrue(byJob.body.equals(yield* stored(png.resultId)))
    })))

  it.effect("GET /api/results/:id: 401 without or with a wrong token, 403 when no token is configured, 404 missing, 400 malformed", () =>
    Effect.scoped(Effect.gen(function*() {
      const { png, queuedJobId } = yield* Fixtures
      const guarded = yield* server(token)
      const open = yield* server(undefined)
      const url = `${guarded.url}/api/results/${png.resultId}`
      assert.strictEqual((yield* fetchBytes(url)).status, 401)
      assert.strictEqual((yield* fetchBytes(url, "guess")).status, 401)
      const closed = yield* fetchBytes(`${open.url}/api/results/${png.resultId}`, token)
      assert.strictEqual(closed.status, 403)
      assert.match(errorOf(closed), /DASHBOARD_TOKEN/)
      const missing = yield* fetchBytes(`${guarded.url}/api/results/${missingId}`, token)
      assert.strictEqual(missing.status, 404)
      assert.strictEqual(missing.type, "application/json")
      assert.match(errorOf(missing), /not found/)
      const malformed = yield* fetchBytes(`${guarded.url}/api/results/${"A".repeat(64)}`, token)
      assert.strictEqual(malformed.status, 400)
      assert.match(errorOf(malformed), /Invalid result id/)
      assert.strictEqual((yield* fetchBytes(`${guarded.url}/api/jobs/qr/no-such-job/result`, token)).status, 404)
      assert.strictEqual((yield* fetchBytes(`${guarded.url}/api/jobs/qr/${queuedJobId}/result`, token)).status, 409)
      assert.strictEqual((yield* fetchBytes(`${guarded.url}/api/jobs/Not-A-Domain/x/result`, token)).status, 400)
      assert.strictEqual((yield* fetchBytes(`${guarded.url}/api/jobs/qr/${png.jobId}/result`)).status, 401)
    })))
})
