/**
 * The `job` and `task` commands as a user runs them (tsx, a fresh process each), on an embedded database
 * kept in a data directory between commands: JSON on stdout with exact 64-bit ids, the local admin
 * without a token, a token's user narrowed to what they see, one-line errors with exit code 1.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { runCli } from "./support/Cli.js"

const dataDir = mkdtempSync(join(tmpdir(), "jobs-cli-services-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const env = {
  JOBS_DATA_DIR: dataDir,
  JOBS_API_TOKENS: JSON.stringify({ "alice-token": { user_id: 42, roles: ["user"] }, "bob-token": { user_id: 43, roles: ["user"] } })
}
const idOf = (stdout: string): string => String(JSON.parse(stdout).id)

describe("effect-jobs job / task", () => {
  it("creates, reads, narrows by token and refuses in one line", async () => {
    const task = await runCli(["task", "create", `{"title":"ship it","assignee_user_id":9223372036854775807}`], env, 60_000)
    expect(task.code, task.stderr).toBe(0)
    expect(task.stdout).toContain(`"assignee_user_id": 9223372036854775807`)
    expect(task.stdout).toContain(`"user_id": 0`)

    const job = await runCli(["job", "create", "--token", "alice-token", `{"domain":"qr","name":"alice's code","payload":{"text":"hi"}}`], env, 60_000)
    expect(job.code, job.stderr).toBe(0)
    const jobId = idOf(job.stdout)
    expect(JSON.parse(job.stdout).user_id).toBe(42)

    const asBob = await runCli(["job", "get", jobId, "--token", "bob-token"], env, 60_000)
    expect(asBob.code).toBe(1)
    expect(asBob.stderr.trim()).toBe(`error: NOT_FOUND: job ${jobId} not found`)

    const linked = await runCli(["task", "link", idOf(task.stdout), jobId], env, 60_000)
    expect(linked.code, linked.stderr).toBe(0)
    expect(JSON.parse(linked.stdout).job_ids).toEqual([jobId])

    const listed = await runCli(["job", "list", "--status", "pending", "--token", "alice-token"], env, 60_000)
    expect(JSON.parse(listed.stdout).items.map((item: { id: string }) => item.id)).toEqual([jobId])

    const unknownField = await runCli(["task", "update", idOf(task.stdout), `{"titel":"x"}`], env, 60_000)
    expect(unknownField.code).toBe(1)
    expect(unknownField.stderr.trim().split("\n")).toHaveLength(1)
    expect(unknownField.stderr).toContain("VALIDATION")

    const badToken = await runCli(["task", "list", "--token", "nope"], env, 60_000)
    expect([badToken.code, badToken.stderr.trim()]).toEqual([1, "error: UNAUTHORIZED: unknown token"])
  }, 300_000)
})
