/**
 * The CLI end to end against a real redis-server: enqueue -> worker -> status completed ->
 * events, with an independent Redis client checking the wire format of every event.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Redis as IORedis } from "ioredis"
import { runCli, startCli, waitFor } from "./support/Cli.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

// Exact key sets of seed 000's TypedDicts (optional keys in brackets are allowed extras).
const shapes: Record<string, { required: ReadonlyArray<string>; optional: ReadonlyArray<string> }> = {
  started: { required: ["type", "domain", "job_id", "user_id", "queue"], optional: [] },
  progress: { required: ["type", "domain", "job_id", "user_id", "progress"], optional: ["message", "payload"] },
  completed: { required: ["type", "domain", "job_id", "user_id", "result_id", "result_bytes"], optional: [] },
  failed: { required: ["type", "domain", "job_id", "user_id", "error_kind", "message"], optional: [] }
}

let server: RedisServerHandle
let resultDir: string
let env: Record<string, string>

beforeAll(async () => {
  server = await startRedisServer()
  resultDir = mkdtempSync(join(tmpdir(), "jobs-cli-results-"))
  env = { REDIS_URL: server.url, RESULT_STORE_DIR: resultDir, JOBS_LEASE_MS: "5000" }
})

afterAll(async () => {
  await server.stop(true)
  rmSync(server.dir, { recursive: true, force: true })
  rmSync(resultDir, { recursive: true, force: true })
})

describe("jobs CLI on a real redis-server", () => {
  it("enqueue -> worker -> completed; events on qr:events match seed 000 exactly", async () => {
    const subscriber = new IORedis(server.port, "127.0.0.1")
    const seen: Array<Record<string, unknown>> = []
    subscriber.on("message", (_channel: string, message: string) => {
      seen.push(JSON.parse(message))
    })
    await subscriber.subscribe("qr:events")

    const good = await runCli(["enqueue", "--domain", "qr", "--user-id", "42", "--payload", JSON.stringify({ text: "hello", format: "svg" })], env)
    expect(good.code).toBe(0)
    const jobId = good.stdout.trim()
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/)
    const bad = await runCli(["enqueue", "--domain", "qr", "--user-id", "42", "--payload", JSON.stringify({ text: "x".repeat(3000) }), "--job-id", "too-long", "--max-attempts", "1"], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim()).toMatch(/^error: qr payload: text is 3000 bytes; a QR code holds at most 2953/)

    let resultId: unknown
    const worker = startCli(["worker", "--domain", "qr", "--concurrency", "2"], env)
    const events = startCli(["events", "--domain", "qr", "--from", "0"], env)
    try {
      await waitFor(async () => {
        const status = await runCli(["status", "--domain", "qr", jobId], env)
        return status.code === 0 && JSON.parse(status.stdout).status === "completed"
      }, 30_000, "the job to complete")
      const status = JSON.parse((await runCli(["status", "--domain", "qr", jobId], env)).stdout)
      expect(status).toMatchObject({ job_id: jobId, user_id: 42, status: "completed", progress: 100, error: null })
      expect(status.result_bytes).toBeGreaterThan(100)
      resultId = status.result_id

      await waitFor(() => events.output().includes(".job.completed.v1"), 15_000, "the events command to print completed")
      const printed = events.output().trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
      expect(printed.map((e) => e.type)).toEqual(["qr.job.started.v1", "qr.job.progress.v1", "qr.job.progress.v1", "qr.job.progress.v1", "qr.job.completed.v1"])
    } finally {
      expect(await worker.stop("SIGTERM")).toBe(0)
      await events.stop("SIGTERM")
      await subscriber.quit()
    }

    expect(seen.length).toBe(5)
    for (const event of seen) {
      const suffix = String(event["type"]).split(".")[2] ?? ""
      const shape = shapes[suffix]
      expect(shape, `unexpected type ${String(event["type"])}`).toBeDefined()
      const keys = Object.keys(event)
      for (const key of shape?.required ?? []) expect(keys).toContain(key)
      for (const key of keys) expect([...(shape?.required ?? []), ...(shape?.optional ?? [])]).toContain(key)
      expect(event["domain"]).toBe("qr")
      expect(Number.isInteger(event["user_id"])).toBe(true)
    }
    expect(seen.at(-1)).toMatchObject({ type: "qr.job.completed.v1", job_id: jobId, user_id: 42, result_id: resultId })
  }, 90_000)

  it("enqueue --correlation-id lands in the job record; a worker emits telemetry only when TELEMETRY_EMITTERS asks", async () => {
    const redis = new IORedis(server.port, "127.0.0.1")
    const runJob = async (correlation: string, workerEnv: Record<string, string>) => {
      const enqueued = await runCli(["enqueue", "--domain", "qr", "--user-id", "7", "--payload", `{"text":"${correlation}"}`, "--correlation-id", correlation], env)
      expect(enqueued.code).toBe(0)
      const jobId = enqueued.stdout.trim()
      expect(await redis.hget(`qr:job:${jobId}`, "correlation_id")).toBe(correlation)
      const worker = startCli(["worker", "--domain", "qr"], { ...env, ...workerEnv })
      try {
        await waitFor(async () => (await redis.hget(`qr:job:${jobId}`, "status")) === "completed", 30_000, "the job to complete")
      } finally {
        expect(await worker.stop("SIGTERM")).toBe(0)
      }
      return jobId
    }
    try {
      await redis.del("qr:telemetry:log")
      // The default: no telemetry at all (the durable log costs worker CPU and Redis memory).
      await runJob("order-1", { TELEMETRY_EMITTERS: "" })
      expect(await redis.xlen("qr:telemetry:log")).toBe(0)
      const jobId = await runJob("order-2", { TELEMETRY_EMITTERS: "redis" })
      const entries = await redis.xrange("qr:telemetry:log", "-", "+")
      const events = entries.map(([, fields]) => JSON.parse(fields[1] ?? "{}"))
      expect(events.map((e) => [e.event_type, e.job_id, e.correlation_id])).toEqual([
        ["job.started", jobId, "order-2"],
        ["job.completed", jobId, "order-2"]
      ])
      const bad = await runCli(["enqueue", "--domain", "qr", "--user-id", "7", "--payload", `{"text":"x"}`, "--correlation-id", "a\u0007b"], env)
      expect(bad.code).toBe(1)
      expect(bad.stderr).toContain("invalid correlation id")
    } finally {
      await redis.quit()
    }
  }, 90_000)

  it("enqueues for a domain served elsewhere unchecked, with a note; a bad name, bad JSON and an unreachable Redis are one line", async () => {
    // Any well-formed name is a domain; one whose job lives in another project takes its payload as given.
    const elsewhere = await runCli(["enqueue", "--domain", "pdf", "--user-id", "1", "--payload", `{"pages":3}`], env)
    expect(elsewhere.code).toBe(0)
    expect(elsewhere.stderr.trim()).toMatch(/^note: no job of domain "pdf" is registered here \(.*\bqr\b.*\); the payload is not checked$/)
    const status = await runCli(["status", "--domain", "pdf", elsewhere.stdout.trim()], env)
    expect(JSON.parse(status.stdout)).toMatchObject({ status: "queued", user_id: 1 })
    const malformed = await runCli(["enqueue", "--domain", "PDF", "--user-id", "1", "--payload", "{}"], env)
    expect(malformed.code).toBe(2)
    expect(malformed.stderr.trim().split("\n")).toEqual([
      `error: Invalid value for flag --domain: "PDF". Expected: a domain name: a lower-case letter, then up to 31 lower-case letters, digits or _`,
      "run `effect-jobs enqueue --help` for usage"
    ])
    const badJson = await runCli(["enqueue", "--domain", "qr", "--user-id", "1", "--payload", "{nope"], env)
    expect(badJson.code).toBe(1)
    expect(badJson.stderr.trim()).toBe("error: --payload is not valid JSON: {nope")
    const down = await runCli(["status", "--domain", "qr", "x"], { ...env, REDIS_URL: "redis://127.0.0.1:1" })
    expect(down.code).toBe(1)
    expect(down.stderr.trim().split("\n")).toHaveLength(1)
    expect(down.stderr).toContain("cannot connect to Redis at redis://127.0.0.1:1")
  }, 60_000)
})
