/** The Promise facade: the same producer and worker as the Effect API, on both Redis layers. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Schema } from "effect"
import { createJobsClient } from "../src/client.js"
import { defineJob } from "../src/runtime/JobDefinition.js"
import { JobContext } from "../src/runtime/JobContext.js"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

const shoutJob = defineJob({
  domain: "shout",
  payload: Schema.Struct({ text: Schema.String }),
  run: Effect.fnUntraced(function*({ text }) {
    yield* (yield* JobContext).publishProgress(50, "shouting")
    return { resultId: text.toUpperCase(), resultBytes: text.length }
  })
})

let server: RedisServerHandle
beforeAll(async () => { server = await startRedisServer() })
afterAll(async () => { await server.stop() })

describe.each([["in-memory Redis", () => "memory"], ["redis-server", () => `redis://127.0.0.1:${server.port}`]])("client on %s", (_name, url) => {
  it("enqueues, works and awaits the outcome; refuses a bad payload with the field named", async () => {
    const client = createJobsClient({ redis: url(), jobs: [shoutJob], settings: {} })
    try {
      await client.startWorker(shoutJob, { concurrency: 2 })
      const { jobId } = await client.enqueue(shoutJob, { text: "hi" }, { userId: 5n })
      expect(await client.awaitOutcome(shoutJob, jobId, { timeoutMs: 10_000 })).toEqual({
        _tag: "Completed", jobId, resultId: "HI", resultBytes: 2
      })
      expect((await client.status("shout", jobId)).status.status).toBe("completed")
      await expect(client.enqueueJson("shout", { text: 1 }, { userId: 5n })).rejects.toMatchObject({
        _tag: "ContractError", message: expect.stringContaining(`["text"]`)
      })
      await expect(client.awaitOutcome("shout", "nope", { timeoutMs: 1_000 })).rejects.toMatchObject({ _tag: "JobNotFound" })
    } finally {
      await client.close()
    }
  }, 30_000)
})
