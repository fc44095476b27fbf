/**
 * One worker process serving several domains: `worker --domain qr --domain turkic` completes a
 * job of each on a real redis-server, with per-domain concurrency and one HTTP server for both;
 * and the plan that turns --domain/--all/--concurrency/--lanes into per-domain settings.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Result } from "effect"
import { Redis as IORedis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { planWorker } from "../src/cli/workerPlan.js"
import { runCli, startCli, waitFor } from "./support/Cli.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

let server: RedisServerHandle
let redis: IORedis
let resultDir: string
let env: Record<string, string>

beforeAll(async () => {
  server = await startRedisServer()
  redis = new IORedis(server.url)
  resultDir = mkdtempSync(join(tmpdir(), "jobs-domains-results-"))
  env = { REDIS_URL: server.url, RESULT_STORE_DIR: resultDir }
})

afterAll(async () => {
  redis.disconnect()
  await server.stop(true)
  rmSync(server.dir, { recursive: true, force: true })
  rmSync(resultDir, { recursive: true, force: true })
})

describe("worker --domain a --domain b", () => {
  it("one process completes a qr and a turkic job, with one HTTP server for both", async () => {
    const [qr, turkic] = await Promise.all([
      runCli(["enqueue", "--domain", "qr", "--user-id", "1", "--payload", JSON.stringify({ text: "one process", format: "svg" })], env),
      runCli(["enqueue", "--domain", "turkic", "--user-id", "1", "--payload", JSON.stringify({ text: "Бүгін күн жылы.", lang: "kk" })], env)
    ])
    expect([qr.code, turkic.code], qr.stderr + turkic.stderr).toEqual([0, 0])
    const ids = { qr: qr.stdout.trim(), turkic: turkic.stdout.trim() }

    const worker = startCli(["worker", "--domain", "qr", "--domain", "turkic", "--concurrency", "2", "--concurrency", "qr=3", "--http-port", "0"], env)
    try {
      await waitFor(() => worker.output().includes("health and metrics on "), 30_000, "the worker to start")
      expect(worker.output()).toContain("worker serving qr (concurrency 3), turkic (concurrency 2)")
      await waitFor(async () => {
        const statuses = await Promise.all([redis.hget(`qr:job:${ids.qr}`, "status"), redis.hget(`turkic:job:${ids.turkic}`, "status")])
        return statuses.every((s) => s === "completed")
      }, 60_000, "both jobs to complete")

      // Each domain registered its own live worker, both from this process, both behind one server.
      const url = /health and metrics on (\S+)/.exec(worker.output())?.[1] ?? ""
      const ready: unknown = await (await fetch(`${url}/readyz`)).json()
      expect(ready).toMatchObject({ ready: true, workers: { qr: 1, turkic: 1 } })
      const metrics = await (await fetch(`${url}/metrics`)).text()
      expect(metrics).toMatch(/domain="qr"/)
      expect(metrics).toMatch(/domain="turkic"/)
      // Both domains' workers stop on one SIGTERM (they drain side by side).
      const pids = new Set([...worker.output().matchAll(/worker: '[^:]+:(\d+):/g)].map((m) => m[1]))
      expect(pids).toEqual(new Set([String(worker.child.pid)]))
    } finally {
      expect(await worker.stop("SIGTERM")).toBe(0)
    }
    expect(worker.output().match(/INFO \(#\d+\): stopped/g)).toHaveLength(2)
  }, 120_000)
})

describe("planWorker", () => {
  const registered = ["qr", "turkic", "digits"]
  const plan = (input: Partial<Parameters<typeof planWorker>[0]>) =>
    planWorker({ domains: [], all: false, concurrency: [], lanes: [], ...input }, registered)

  it("gives every served domain the default, the bare N, or its own domain=N, in that order of precedence", () => {
    expect(plan({ domains: ["qr", "turkic", "qr"] })).toEqual(Result.succeed([
      { domain: "qr", concurrency: 4, lanes: undefined },
      { domain: "turkic", concurrency: 4, lanes: undefined }
    ]))
    expect(plan({ all: true, concurrency: ["qr=8", "2"], lanes: ["turkic=3"] })).toEqual(Result.succeed([
      { domain: "qr", concurrency: 8, lanes: undefined },
      { domain: "turkic", concurrency: 2, lanes: 3 },
      { domain: "digits", concurrency: 2, lanes: undefined }
    ]))
    // A domain that is well named but has no job is served as asked: the registry lookup reports it.
    expect(plan({ domains: ["shout"], concurrency: ["shout=1"] })).toEqual(Result.succeed([{ domain: "shout", concurrency: 1, lanes: undefined }]))
  })

  it("refuses what cannot be meant, in one line", () => {
    expect(plan({})).toEqual(Result.fail("give --domain (repeatable) or --all"))
    expect(plan({ all: true, domains: ["qr"] })).toEqual(Result.fail("give --domain or --all, not both"))
    expect(plan({ domains: ["qr"], concurrency: ["digits=2"] })).toEqual(
      Result.fail("--concurrency digits=2: this worker does not serve digits (it serves qr)")
    )
    expect(plan({ domains: ["qr"], lanes: ["0"] })).toEqual(Result.fail(`--lanes takes N or domain=N with N a positive integer, got "0"`))
    expect(plan({ domains: ["qr"], concurrency: ["Qr=2"] })).toEqual(Result.fail(`--concurrency Qr=2: "Qr" is not a domain name`))
  })
})
