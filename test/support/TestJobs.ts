/** Small job definitions that exercise the worker: sleep, fail as user, die, report progress. */
import { Deferred, Effect, Ref, Schema } from "effect"
import { defineJob } from "../../src/runtime/JobDefinition.js"
import { JobContext } from "../../src/runtime/JobContext.js"
import { JobSystemError, JobUserError } from "../../src/runtime/JobErrors.js"

export const TestPayload = Schema.Struct({
  kind: Schema.Literals(["ok", "user-error", "system-error", "defect", "sleep", "hang"]),
  ms: Schema.optionalKey(Schema.Int)
})

export interface Probe {
  /** Jobs running right now, and the most seen at once. */
  readonly current: Ref.Ref<number>
  readonly peak: Ref.Ref<number>
  /** Ids whose finalizer ran. */
  readonly finalized: Ref.Ref<ReadonlyArray<string>>
  /** Completed when the first job starts running. */
  readonly firstStarted: Deferred.Deferred<void>
}

export const makeProbe = Effect.gen(function*() {
  return {
    current: yield* Ref.make(0),
    peak: yield* Ref.make(0),
    finalized: yield* Ref.make<ReadonlyArray<string>>([]),
    firstStarted: yield* Deferred.make<void>()
  } satisfies Probe
})

export const testJob = (probe: Probe) =>
  defineJob({
    domain: "qr",
    payload: TestPayload,
    run: (payload) =>
      Effect.gen(function*() {
        const ctx = yield* JobContext
        const now = yield* Ref.updateAndGet(probe.current, (n) => n + 1)
        yield* Ref.update(probe.peak, (p) => Math.max(p, now))
        yield* Deferred.succeed(probe.firstStarted, undefined)
        yield* ctx.publishProgress(50, "halfway")
        switch (payload.kind) {
          case "user-error":
            return yield* new JobUserError({ message: "bad input: the answer is not 42", code: "WRONG_ANSWER" })
          case "system-error":
            return yield* new JobSystemError({ message: "dependency unavailable" })
          case "defect":
            return yield* Effect.die(new Error("boom"))
          case "sleep":
            yield* Effect.sleep(payload.ms ?? 50)
            break
          case "hang":
            yield* Effect.never
        }
        return { resultId: `result-${ctx.info.jobId}`, resultBytes: 42 }
      }).pipe(
        Effect.ensuring(Effect.gen(function*() {
          const ctx = yield* JobContext
          yield* Ref.update(probe.current, (n) => n - 1)
          yield* Ref.update(probe.finalized, (ids) => [...ids, ctx.info.jobId])
        }))
      )
  })
