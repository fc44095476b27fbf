/**
 * The production build (scripts/build.ts): one bundle run by plain node, with the Lua scripts
 * and the corpus beside it. Runs the demo on the in-memory Redis, then a qr job through the
 * bundled enqueue and worker commands on a real redis-server, and the effect-jobs bin, which
 * prefers the bundle when one is built.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { buildBundle } from "../scripts/build.js"
import { type CliEntry, runCli, startCli, waitFor } from "./support/Cli.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

// Inside the project, so the bundle's external packages resolve from its node_modules. Laid out
// as a package (bin/, dist/) without sources, so the bin there can only run the bundle.
const packageDir = join(process.cwd(), "node_modules", ".cache", `jobs-build-test-${process.pid}`)
const outDir = join(packageDir, "dist")
const bundle: CliEntry = { _tag: "Bundle", file: join(outDir, "jobs.mjs") }
const bin: CliEntry = { _tag: "Bundle", file: join(packageDir, "bin", "effect-jobs.js") }

let server: RedisServerHandle

beforeAll(async () => {
  await buildBundle(join(process.cwd(), "src/main.ts"), join(outDir, "jobs.mjs"))
  mkdirSync(join(packageDir, "bin"))
  copyFileSync(join(process.cwd(), "bin", "effect-jobs.js"), bin.file)
  server = await startRedisServer()
}, 60_000)

afterAll(async () => {
  await server.stop(true)
  rmSync(server.dir, { recursive: true, force: true })
  rmSync(packageDir, { recursive: true, force: true })
})

describe("the built bundle", () => {
  it("carries the Lua scripts and the trainer corpus beside it", () => {
    for (const file of ["apply-6.lua", "enqueue-2.lua", "includes/claim.lua"]) {
      expect(readFileSync(join(outDir, "lua", file), "utf8")).toBe(readFileSync(join("src/runtime/lua", file), "utf8"))
    }
    expect(readFileSync(join(outDir, "corpus", "coriolanus.txt"), "utf8")).toBe(readFileSync("src/domains/trainer/corpus/coriolanus.txt", "utf8"))
  })

  it("runs the demo with plain node", async () => {
    const demo = await runCli(["demo"], {}, 30_000, bundle)
    expect(demo.stderr + demo.stdout).toContain("demo: 4 jobs finished")
    expect(demo.code).toBe(0)
  }, 40_000)

  it("enqueues and runs a qr job on a real redis-server", async () => {
    const env = { REDIS_URL: server.url, RESULT_STORE_DIR: join(outDir, "results") }
    // Enqueued through the bin, which has no sources beside it to fall back on.
    const enqueued = await runCli(["enqueue", "--domain", "qr", "--user-id", "9", "--payload", JSON.stringify({ text: "bundled" })], env, 30_000, bin)
    expect(enqueued.stderr).toBe("")
    expect(enqueued.code).toBe(0)
    const jobId = enqueued.stdout.trim()
    const worker = startCli(["worker", "--domain", "qr"], env, bundle)
    try {
      await waitFor(async () => {
        const status = await runCli(["status", "--domain", "qr", jobId], env, 30_000, bundle)
        return status.code === 0 && JSON.parse(status.stdout).status === "completed"
      }, 30_000, "the job to complete")
    } finally {
      expect(await worker.stop("SIGTERM")).toBe(0)
    }
  }, 90_000)
})
