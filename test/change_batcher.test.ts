/**
 * The ChangeBatcher (src/runtime/queue/ChangeBatcher.ts) on the in-memory Redis twin, watched
 * through a RedisClient that records each apply call and can hold one on the wire or refuse one:
 * items posted while a call is on the wire go out together in the next one; a batch carries at
 * most 512 items; items still queued when the batcher's scope closes are answered; a final change
 * of a refused call is sent again (its progress change is not) and is applied.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Scope } from "effect"
import type { JobDomain } from "../src/contracts/JobDomain.js"
import { jobKey } from "../src/contracts/Keys.js"
import { loadLuaScript } from "../src/redis/LuaScript.js"
import { makeMemoryClient } from "../src/redis/MemoryClient.js"
import { RedisClient } from "../src/redis/RedisClient.js"
import { RedisError } from "../src/redis/RedisError.js"
import { JobQueue, type JobChange } from "../src/runtime/JobQueue.js"
import { type ClaimedJob, makeChangeBatcher } from "../src/runtime/queue/ChangeBatcher.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../src/runtime/RuntimeLayer.js"

const domain: JobDomain = "batched"
const apply = loadLuaScript(new URL("../src/runtime/", import.meta.url).href, "apply-6.lua")

/** One apply call as sent: its claims' sizes and its changes as `<kind>:<job id>`. */
interface Call {
  readonly claims: ReadonlyArray<number>
  readonly changes: ReadonlyArray<string>
}

interface Tap {
  readonly calls: Array<Call>
  /** The next apply call waits for this before it reaches Redis; `onWire` says it is waiting. */
  hold: { readonly release: Deferred.Deferred<void>; readonly onWire: Deferred.Deferred<void> } | undefined
  /** Apply calls still to refuse, as Redis over maxmemory would. */
  refuse: number
}

const readCall = (args: ReadonlyArray<string>): Call => {
  // ARGV of apply-6.lua: a header of 7, the claim count, (worker, max) pairs, the changes' JSON.
  const count = Number(args[7])
  const claims = Array.from({ length: count }, (_, i) => Number(args[9 + i * 2]))
  const parsed: unknown = JSON.parse(args[8 + count * 2] ?? "[]")
  const changes = Array.isArray(parsed) ? parsed.map((c: unknown) => Array.isArray(c) ? `${String(c[0])}:${String(c[1])}` : "?") : []
  return { claims, changes }
}

const makeTap = (): Tap => ({ calls: [], hold: undefined, refuse: 0 })

/** The in-memory twin with its apply calls recorded, held or refused as `tap` says. */
const tapped = (tap: Tap): Layer.Layer<RedisClient> =>
  Layer.effect(
    RedisClient,
    Effect.map(makeMemoryClient, (memory) =>
      RedisClient.of({
        ...memory,
        eval: (script, keys, args) =>
          script.name !== "apply" ? memory.eval(script, keys, args) : Effect.suspend(() => {
            tap.calls.push(readCall(args))
            if (tap.refuse > 0) {
              tap.refuse--
              return Effect.fail(new RedisError({ op: "script apply", message: "OOM command not allowed when used memory > 'maxmemory'" }))
            }
            const hold = tap.hold
            tap.hold = undefined
            if (hold === undefined) return memory.eval(script, keys, args)
            return Deferred.succeed(hold.onWire, undefined).pipe(
              Effect.andThen(Deferred.await(hold.release)),
              Effect.andThen(memory.eval(script, keys, args))
            )
          })
      }))
  )

const holdNextCall = (tap: Tap) =>
  Effect.gen(function*() {
    const hold = { release: yield* Deferred.make<void>(), onWire: yield* Deferred.make<void>() }
    tap.hold = hold
    return hold
  })

/** A batcher and a queue to enqueue with, over the tapped twin, for one test. */
const withBatcher = <A, E>(
  tap: Tap,
  body: (batcher: Effect.Success<ReturnType<typeof makeChangeBatcher>>) => Effect.Effect<A, E, JobQueue | RedisClient | Scope.Scope>
) =>
  Effect.gen(function*() {
    const batcher = yield* makeChangeBatcher(domain, apply)
    return yield* body(batcher)
  }).pipe(Effect.scoped, Effect.provide(runtimeLayer(tapped(tap), RuntimeConfig.layerWith({}))))

const enqueue = (count: number) =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    for (let i = 0; i < count; i++) yield* queue.enqueue({ domain, userId: 1n, payload: { i }, jobId: `job-${i}` })
  })

const change = (kind: JobChange["kind"], job: Pick<ClaimedJob, "jobId" | "executionId">, status: string): JobChange => ({
  kind,
  jobId: job.jobId,
  executionId: job.executionId,
  event: JSON.stringify({ type: kind, job_id: job.jobId }),
  fields: ["status", status]
})

// A change of no running job: the fence refuses it (applied false), which is enough to count it.
const stray = (i: number): JobChange => change("update", { jobId: `stray-${i}`, executionId: `w/${i}` }, "processing")

const closed = (exit: Exit.Exit<unknown, RedisError>) => Exit.isFailure(exit) && String(exit.cause).includes("the runtime is shutting down")

describe("ChangeBatcher", () => {
  it.effect("items posted while a call is on the wire go out together in the next one", () => {
    const tap = makeTap()
    return withBatcher(tap, (batcher) =>
      Effect.gen(function*() {
        yield* enqueue(2)
        const [first] = (yield* batcher.claim("w", 1)).jobs
        assert.isDefined(first)
        if (first === undefined) return
        const hold = yield* holdNextCall(tap)
        const progress = batcher.postUnsafe(change("update", first, "processing"))
        yield* Deferred.await(hold.onWire)
        // The job finishes and the claim loop asks for its successor while the progress is on the wire.
        const done = batcher.postUnsafe(change("completed", first, "completed"))
        const next = yield* Effect.forkChild(batcher.claim("w", 1))
        yield* Effect.yieldNow
        yield* Deferred.succeed(hold.release, undefined)
        assert.isTrue(yield* Deferred.await(progress))
        assert.isTrue(yield* Deferred.await(done))
        const claimed = yield* Fiber.join(next)
        assert.deepStrictEqual(claimed.jobs.map((j) => j.jobId), ["job-1"])
        assert.deepStrictEqual(tap.calls.slice(1), [
          { claims: [], changes: ["update:job-0"] },
          { claims: [1], changes: ["completed:job-0"] }
        ])
        const redis = yield* RedisClient
        assert.strictEqual(yield* redis.send("HGET", jobKey(domain, "job-0"), "status"), "completed")
      }))
  })

  it.effect("a batch carries at most 512 items; the rest go in the next call", () => {
    const tap = makeTap()
    return withBatcher(tap, (batcher) =>
      Effect.gen(function*() {
        const hold = yield* holdNextCall(tap)
        const firstCall = batcher.postUnsafe(stray(-1))
        yield* Deferred.await(hold.onWire)
        const posted = Array.from({ length: 600 }, (_, i) => batcher.postUnsafe(stray(i)))
        yield* Deferred.succeed(hold.release, undefined)
        assert.isFalse(yield* Deferred.await(firstCall))
        for (const applied of posted) assert.isFalse(yield* Deferred.await(applied))
        assert.deepStrictEqual(tap.calls.map((c) => c.changes.length), [1, 512, 88])
        // In the order posted.
        assert.strictEqual(tap.calls[1]?.changes[0], "update:stray-0")
        assert.strictEqual(tap.calls[2]?.changes[0], "update:stray-512")
      }))
  })

  it.effect("items still queued when the batcher closes are answered with an error", () => {
    const tap = makeTap()
    return Effect.gen(function*() {
      const scope = yield* Scope.make()
      const batcher = yield* makeChangeBatcher(domain, apply).pipe(Scope.provide(scope))
      const hold = yield* holdNextCall(tap)
      batcher.postUnsafe(stray(-1))
      yield* Deferred.await(hold.onWire)
      const queued = batcher.postUnsafe(stray(0))
      const claim = yield* Effect.forkChild(batcher.claim("w", 4))
      yield* Effect.yieldNow
      yield* Scope.close(scope, Exit.void)
      assert.isTrue(closed(yield* Effect.exit(Deferred.await(queued))))
      assert.isTrue(closed(yield* Effect.exit(Fiber.join(claim))))
      assert.strictEqual(tap.calls.length, 1)
    }).pipe(Effect.provide(runtimeLayer(tapped(tap), RuntimeConfig.layerWith({}))))
  })

  // Live clock: the change goes again after the batcher's real 50 ms backoff.
  it.live("a final change of a refused call is sent again and applied; its progress and claim are not", () => {
    const tap = makeTap()
    return withBatcher(tap, (batcher) =>
      Effect.gen(function*() {
        yield* enqueue(2)
        const [job] = (yield* batcher.claim("w", 1)).jobs
        assert.isDefined(job)
        if (job === undefined) return
        const hold = yield* holdNextCall(tap)
        batcher.postUnsafe(stray(-1))
        yield* Deferred.await(hold.onWire)
        tap.refuse = 1
        const progress = batcher.postUnsafe(change("update", job, "processing"))
        const done = batcher.postUnsafe(change("completed", job, "completed"))
        const claim = yield* Effect.forkChild(Effect.exit(batcher.claim("w", 1)))
        yield* Effect.yieldNow
        yield* Deferred.succeed(hold.release, undefined)
        // The progress change is dropped and answered as applied; the claim fails at once.
        assert.isTrue(yield* Deferred.await(progress))
        assert.isTrue(Exit.isFailure(yield* Fiber.join(claim)))
        assert.isTrue(yield* Deferred.await(done))
        assert.deepStrictEqual(tap.calls.slice(2), [
          { claims: [1], changes: ["update:job-0", "completed:job-0"] },
          { claims: [], changes: ["completed:job-0"] }
        ])
        const redis = yield* RedisClient
        assert.strictEqual(yield* redis.send("HGET", jobKey(domain, "job-0"), "status"), "completed")
      }))
  })
})
