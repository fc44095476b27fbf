/**
 * The reliability commands through the real CLI against a real redis-server: cancel, retry,
 * dead-letter list|show|requeue, enqueue --delay/--every/--cron, schedules list|remove, and the
 * one-line errors for bad input. Independent commands run side by side to keep the file quick.
 */
import { Redis as IORedis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli, startCli, waitFor } from "./support/Cli.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

let server: RedisServerHandle
let redis: IORedis
let env: Record<string, string>

beforeAll(async () => {
  server = await startRedisServer()
  redis = new IORedis(server.url)
  env = { REDIS_URL: server.url }
})

afterAll(async () => {
  redis.disconnect()
  await server.stop(true)
})

const jobs = (...args: Array<string>) => runCli(args, env, 60_000)

/** A job that ran out of attempts, written as the runtime leaves one. */
const writeDeadJob = async (id: string) => {
  await redis.hset(`qr:job:${id}`, {
    job_id: id, user_id: "1", status: "failed", progress: "0", message: "boom", error: "boom", error_kind: "system",
    last_error: "boom (after 3 attempts)", attempt: "3", max_attempts: "3", payload: "{\"text\":\"x\"}",
    created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z"
  })
  await redis.zadd("qr:queue:dead", 1_767_225_600_000, id)
}

describe("reliability commands", () => {
  it("cancel, retry and dead-letter do what they say and refuse what they cannot do", async () => {
    await writeDeadJob("dl-1")
    const [delayed, list, show, missing] = await Promise.all([
      jobs("enqueue", "--domain", "qr", "--user-id", "1", "--payload", "{\"text\":\"later\"}", "--delay", "60000", "--job-id", "later"),
      jobs("dead-letter", "list", "--domain", "qr"),
      jobs("dead-letter", "show", "--domain", "qr", "dl-1"),
      jobs("cancel", "--domain", "qr", "ghost")
    ])
    expect(delayed.stdout.trim()).toBe("later")
    expect(await redis.zscore("qr:queue:delayed", "later")).not.toBeNull()
    expect(list.stdout).toContain("dl-1\t2026-01-01T00:00:00.000Z\tattempt 3/3\tsystem\tboom (after 3 attempts)")
    const shown: unknown = JSON.parse(show.stdout)
    expect(shown).toMatchObject({ job_id: "dl-1", status: "failed", dead_at: "2026-01-01T00:00:00.000Z", attempt: 3 })
    expect([missing.code, missing.stderr.trim()]).toEqual([1, "error: no job ghost in domain qr (never enqueued, or its record expired)"])

    const [cancel, requeue] = await Promise.all([
      jobs("cancel", "--domain", "qr", "later"),
      jobs("dead-letter", "requeue", "--domain", "qr", "dl-1")
    ])
    expect(cancel).toMatchObject({ code: 0, stdout: "later: cancelled (it had not started) (was queued)\n" })
    expect(await redis.hget("qr:job:later", "error")).toBe("cancelled by request")
    expect(await redis.zscore("qr:queue:delayed", "later")).toBeNull()
    expect(requeue.stdout.trim()).toBe("dl-1: requeued from dead letter, attempts reset")
    expect(await redis.hmget("qr:job:dl-1", "status", "attempt")).toEqual(["queued", "0"])

    const [again, retry, cancelledTwice] = await Promise.all([
      jobs("dead-letter", "requeue", "--domain", "qr", "dl-1"),
      jobs("retry", "--domain", "qr", "later"),
      jobs("retry", "--domain", "qr", "dl-1")
    ])
    expect([again.code, again.stderr.trim()]).toEqual([1, "error: job dl-1 is not in the dead letter (status queued)"])
    expect(retry.stdout.trim()).toBe("later: queued again from its first attempt")
    expect(await redis.lrange("qr:queue:wait", 0, -1)).toContain("later")
    expect([cancelledTwice.code, cancelledTwice.stderr.trim()]).toEqual([1, "error: job dl-1 is queued, not failed; only failed jobs run again"])
  }, 120_000)

  it("enqueue --every/--cron store a schedule; bad flags get one clear line", async () => {
    const payload = ["--domain", "qr", "--user-id", "1", "--payload", "{\"text\":\"tick\"}"]
    const [every, cron, badCron, badRetryOn, mixed] = await Promise.all([
      jobs("enqueue", ...payload, "--every", "60000", "--job-id", "tick"),
      jobs("enqueue", ...payload, "--cron", "0 6 * * *", "--job-id", "daily"),
      jobs("enqueue", ...payload, "--cron", "every day", "--job-id", "bad"),
      jobs("enqueue", ...payload, "--retry-on", "sometimes"),
      jobs("enqueue", ...payload, "--every", "1000", "--delay", "5")
    ])
    expect(every.stdout.trim()).toBe("schedule tick: workers of qr enqueue it as repeat:tick:<time>")
    expect(cron.code).toBe(0)
    expect([badCron.code, badCron.stderr]).toEqual([1, expect.stringContaining("invalid cron expression \"every day\"")])
    // Flags that cannot run as given are usage errors: exit 2 and a pointer to the help.
    const pointer = "\nrun `effect-jobs enqueue --help` for usage"
    expect([badRetryOn.code, badRetryOn.stderr.trim()]).toEqual([2, `error: --retry-on takes user and/or system, got "sometimes"${pointer}`])
    expect([mixed.code, mixed.stderr.trim()]).toEqual([2, `error: --every/--cron cannot be combined with --delay/--run-at${pointer}`])

    const list = await jobs("schedules", "list", "--domain", "qr")
    expect(list.stdout).toContain("tick\tevery 60000 ms\tuser 1\t{\"text\":\"tick\"}")
    expect(list.stdout).toContain("daily\tcron \"0 6 * * *\" UTC")
    const [removed, unknown] = await Promise.all([
      jobs("schedules", "remove", "--domain", "qr", "tick"),
      jobs("schedules", "remove", "--domain", "qr", "nothing")
    ])
    expect(removed.stdout.trim()).toBe("schedule tick removed; its pending occurrences were cancelled")
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, "error: no schedule nothing in domain qr"])
    expect(await redis.hkeys("qr:schedules")).toEqual(["daily"])
  }, 120_000)
})

describe("worker stop with Redis gone", () => {
  it("SIGTERM ends the worker even when the running job cannot be handed back", async () => {
    const gone = await startRedisServer()
    const direct = new IORedis(gone.url)
    const worker = startCli(["worker", "--domain", "digits", "--concurrency", "1", "--grace-ms", "500"], { REDIS_URL: gone.url })
    try {
      await waitFor(() => worker.output().includes("worker started"), 30_000, "the worker to start")
      const enqueued = await runCli(["enqueue", "--domain", "digits", "--user-id", "1", "--payload", "{\"model_id\":\"mlp-32\",\"epochs\":60}"], { REDIS_URL: gone.url })
      const jobId = enqueued.stdout.trim()
      await waitFor(async () => (await direct.hget(`digits:job:${jobId}`, "status")) === "processing", 30_000, "the job to start")
      direct.disconnect()
      await gone.stop(true)
      const stoppedAt = Date.now()
      const code = await worker.stop("SIGTERM")
      // Grace (0.5 s) plus the 5 s margin for the hand-back, which cannot reach Redis.
      expect(Date.now() - stoppedAt).toBeLessThan(12_000)
      expect(code).toBe(1)
      expect(worker.output()).toContain("shutdown did not finish within 5500 ms (Redis unreachable?)")
    } finally {
      direct.disconnect()
      if (worker.child.exitCode === null) worker.child.kill("SIGKILL")
      await gone.stop(true).catch(() => undefined)
    }
  }, 90_000)
})
