/**
 * `enqueue --payload-file F` and `enqueue --payload -` (stdin) on a real redis-server, with
 * 300 KiB payloads: more than one argument may carry on Linux (128 KiB), which is why they exist.
 */
import { spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Redis as IORedis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliResult, runCli, startCli, waitFor } from "./support/Cli.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

let server: RedisServerHandle
let redis: IORedis
let dir: string
let env: Record<string, string>

beforeAll(async () => {
  server = await startRedisServer()
  redis = new IORedis(server.url)
  dir = mkdtempSync(join(tmpdir(), "jobs-payload-input-"))
  env = { REDIS_URL: server.url, RESULT_STORE_DIR: join(dir, "results") }
})

afterAll(async () => {
  redis.disconnect()
  await server.stop(true)
  rmSync(server.dir, { recursive: true, force: true })
  rmSync(dir, { recursive: true, force: true })
})

/** A databank upload of 225 KiB: its JSON is just over 300 KiB of base64. */
const bigUpload = () => {
  const bytes = randomBytes(225 * 1024)
  const sha256 = createHash("sha256").update(bytes).digest("hex")
  return { sha256, json: JSON.stringify({ op: "upload", data_base64: bytes.toString("base64"), sha256, size: bytes.length }) }
}

/** The CLI with `input` on its stdin (runCli gives its children none). */
const runWithStdin = (args: ReadonlyArray<string>, input: string): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString() })
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString() })
    child.once("error", reject)
    child.once("exit", (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(input)
  })

describe("enqueue payload sources", () => {
  it("takes a 300 KiB payload from --payload-file and from stdin, and the jobs complete", async () => {
    const fromFile = bigUpload()
    const fromStdin = bigUpload()
    expect(fromFile.json.length).toBeGreaterThan(300 * 1024)
    const file = join(dir, "upload.json")
    writeFileSync(file, fromFile.json)
    const enqueue = ["enqueue", "--domain", "databank", "--user-id", "5"]
    const [viaFile, viaStdin] = await Promise.all([
      runCli([...enqueue, "--payload-file", file], env),
      runWithStdin([...enqueue, "--payload", "-"], fromStdin.json)
    ])
    expect([viaFile.code, viaStdin.code], viaFile.stderr + viaStdin.stderr).toEqual([0, 0])
    const ids = [viaFile.stdout.trim(), viaStdin.stdout.trim()]

    const worker = startCli(["worker", "--domain", "databank"], env)
    try {
      await waitFor(async () => {
        const statuses = await Promise.all(ids.map((id) => redis.hget(`databank:job:${id}`, "status")))
        return statuses.every((s) => s === "completed")
      }, 60_000, "both uploads to complete")
    } finally {
      expect(await worker.stop("SIGTERM")).toBe(0)
    }
    // The stored object is named by the sha256 of exactly the bytes that were sent.
    expect(await Promise.all(ids.map((id) => redis.hget(`databank:job:${id}`, "result_id")))).toEqual([fromFile.sha256, fromStdin.sha256])
  }, 120_000)

  it("wants exactly one source, and names the source whose text is not JSON", async () => {
    const file = join(dir, "broken.json")
    writeFileSync(file, "{broken")
    const enqueue = ["enqueue", "--domain", "qr", "--user-id", "1"]
    const [both, neither, missing, broken, brokenStdin] = await Promise.all([
      runCli([...enqueue, "--payload", "{}", "--payload-file", file], env),
      runCli(enqueue, env),
      runCli([...enqueue, "--payload-file", join(dir, "nothing.json")], env),
      runCli([...enqueue, "--payload-file", file], env),
      runWithStdin([...enqueue, "--payload", "-"], "not json")
    ])
    const pointer = "run `effect-jobs enqueue --help` for usage"
    expect([both.code, both.stderr.trim()]).toEqual([2, `error: give --payload or --payload-file, not both\n${pointer}`])
    expect([neither.code, neither.stderr.trim()]).toEqual([2, `error: missing payload: give --payload JSON, --payload - (stdin) or --payload-file FILE\n${pointer}`])
    expect([missing.code, missing.stderr.trim()]).toEqual([1, expect.stringMatching(/^error: cannot read .*nothing\.json: /)])
    expect([broken.code, broken.stderr.trim()]).toEqual([1, `error: --payload-file ${file} is not valid JSON: {broken`])
    expect([brokenStdin.code, brokenStdin.stderr.trim()]).toEqual([1, "error: stdin (--payload -) is not valid JSON: not json"])
  }, 60_000)
})
