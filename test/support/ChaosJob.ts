/**
 * The job the fault tests run: sleeps for a while (cheap), or hangs until interrupted.
 * Its finalizer records the job id in `qr:chaos:finalized`, so a test in another process
 * can see that an interrupted job cleaned up.
 */
import { Effect, Schema } from "effect"
import { defineJob } from "../../src/runtime/JobDefinition.js"
import { JobContext } from "../../src/runtime/JobContext.js"
import { RedisClient } from "../../src/redis/RedisClient.js"

export const finalizedKey = "qr:chaos:finalized"

export const ChaosPayload = Schema.Struct({
  kind: Schema.Literals(["sleep", "hang"]),
  ms: Schema.optionalKey(Schema.Int),
  /** Progress updates published before the sleep: a finished job's last call then carries progress too. */
  progress: Schema.optionalKey(Schema.Int)
})

export const chaosJob = defineJob({
  domain: "qr",
  payload: ChaosPayload,
  run: (payload) =>
    Effect.gen(function*() {
      const ctx = yield* JobContext
      const redis = yield* RedisClient
      for (let i = 1; i <= (payload.progress ?? 0); i++) yield* ctx.publishProgress((100 * i) / ((payload.progress ?? 0) + 1))
      yield* Effect.onInterrupt(
        payload.kind === "hang" ? Effect.never : Effect.sleep(payload.ms ?? 20),
        () => redis.send("RPUSH", finalizedKey, ctx.info.jobId).pipe(Effect.ignore)
      )
      return { resultId: `chaos-${ctx.info.jobId}`, resultBytes: 0 }
    })
})
