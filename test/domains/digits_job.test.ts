/**
 * The digits job end to end on a real redis-server: metrics events in order and valid under the
 * contract, the artifact directory and the result store, pruning, bad payloads, and cancellation
 * leaving no artifact behind.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it as vitestIt, layer } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { decodeChannelMessage } from "../../src/contracts/ChannelMessage.js"
import type { DigitsMetricsEvent } from "../../src/contracts/DigitsMetrics.js"
import { MANIFEST_FILE, MODEL_FILE, pruneRuns, writeRunArtifacts } from "../../src/domains/digits/artifacts.js"
import { decodeDigitsModel } from "../../src/domains/digits/DigitsModelCodec.js"
import type { DigitsPayload } from "../../src/domains/digits/DigitsPayload.js"
import { digitsJob, runDigitsTraining } from "../../src/domains/digits/job.js"
import { EventBus } from "../../src/runtime/EventBus.js"
import { JobContext } from "../../src/runtime/JobContext.js"
import { JobQueue } from "../../src/runtime/JobQueue.js"
import { MetricsEmitter } from "../../src/runtime/MetricsEmitter.js"
import { ResultStore } from "../../src/runtime/ResultStore.js"
import {
  awaitOutcome,
  enqueue,
  eventsUntilEnd,
  fresh,
  harnessLayer,
  metricsEvents,
  startJobWorker,
  tempDir
} from "../support/TrainingJobHarness.js"
import { RedisServer } from "../support/RedisServer.js"

const smallRun: DigitsPayload = { model_id: "mlp-32", epochs: 3, batch_size: 32, learning_rate: 0.002, train_size: 2000, val_size: 500, seed: 1 }

const digitsOnly = (events: ReadonlyArray<{ readonly type: string }>): ReadonlyArray<DigitsMetricsEvent> =>
  events.flatMap((e) => isDigits(e) ? [e] : [])
const isDigits = (e: { readonly type: string }): e is DigitsMetricsEvent => e.type.startsWith("digits.metrics.")
const short = (type: string) => type.replace("digits.metrics.", "").replace(".v1", "")

// Live clock: the runs are real training runs with real timeouts.
layer(RedisServer.layer(), { excludeTestServices: true })("digits job", (it) => {
  describe("a short real run", () => {
    const artifactRoot = tempDir("digits-artifacts-")
    const storeDir = tempDir("digits-store-")
    const env = { DIGITS_ARTIFACT_DIR: artifactRoot, DIGITS_KEEP_RUNS: "2" }

    it.effect("publishes config, batches, epochs, best, artifact, upload, prune, completed in order; stores the model", () =>
      fresh(Effect.gen(function*() {
        // Three older runs of the same model: with keep 2, the new run and the newest old one stay.
        for (const old of ["20000101-000000000-aaaaaa", "20000102-000000000-bbbbbb", "20000103-000000000-cccccc"]) {
          mkdirSync(join(artifactRoot, "mlp-32", old), { recursive: true })
        }
        yield* startJobWorker(digitsJob)
        const { jobId } = yield* enqueue("digits", smallRun)
        const record = yield* awaitOutcome("digits", jobId)
        assert.strictEqual(record.status.status, "completed", record.lastError ?? "")
        const events = digitsOnly(metricsEvents(yield* eventsUntilEnd("digits", jobId)))

        // Order: config, then per epoch its batches, the epoch event and (if improved) best; then the tail.
        const types = events.map((e) => short(e.type))
        const collapsed = types.filter((t, i) => !(t === "batch" && types[i - 1] === "batch"))
        assert.deepStrictEqual(collapsed.slice(0, 1), ["config"])
        assert.deepStrictEqual(collapsed.slice(-4), ["artifact", "upload", "prune", "completed"])
        const middle = collapsed.slice(1, -4)
        assert.deepStrictEqual(middle.filter((t) => t === "epoch").length, 3)
        assert.strictEqual(middle[0], "batch")
        assert.strictEqual(middle[2], "best", "epoch 1 is always a new best")
        for (const [i, t] of middle.entries()) {
          if (t === "best") assert.strictEqual(middle[i - 1], "epoch")
        }

        // Every event is valid under the contract as published (re-decode the wire JSON too).
        const bus = yield* EventBus
        const raw = yield* bus.subscribeRaw("digits", { from: "0" }).pipe(Stream.take(events.length + 1), Stream.runCollect)
        for (const r of raw) yield* decodeChannelMessage(r.json)
        for (const e of events) {
          assert.strictEqual(e.request_id, jobId)
          assert.strictEqual(e.user_id, 7n)
          assert.strictEqual(e.model_id, "mlp-32")
        }

        // It learns: loss falls across batch events and epochs; final accuracy well above chance.
        const batches = events.flatMap((e) => e.type === "digits.metrics.batch.v1" ? [e] : [])
        const epochs = events.flatMap((e) => e.type === "digits.metrics.epoch.v1" ? [e] : [])
        assert.isAbove(batches.length, 5)
        assert.isBelow(batches.at(-1)?.avg_loss ?? Infinity, batches[0]?.avg_loss ?? 0)
        assert.isBelow(epochs.at(-1)?.train_loss ?? Infinity, epochs[0]?.train_loss ?? 0)
        assert.deepStrictEqual(epochs.map((e) => e.epoch), [1, 2, 3])
        const completed = events.at(-1)
        assert.strictEqual(completed?.type, "digits.metrics.completed.v1")
        if (completed?.type === "digits.metrics.completed.v1") {
          assert.isAbove(completed.val_acc, 0.8)
          assert.strictEqual(completed.dropped_metrics, 0)
        }

        // Artifact directory: the run's model and manifest, named by the run id the events carry.
        const runId = completed?.run_id ?? ""
        const artifact = events.find((e) => e.type === "digits.metrics.artifact.v1")
        const runDir = join(artifactRoot, "mlp-32", runId)
        if (artifact?.type === "digits.metrics.artifact.v1") assert.strictEqual(artifact.path, runDir)
        const manifestJson = readFileSync(join(runDir, MANIFEST_FILE), "utf8")
        assert.strictEqual(JSON.parse(manifestJson).run_id, runId)

        // The result is the stored model; it decodes against the manifest.
        const store = yield* ResultStore
        const modelBytes = yield* store.get(record.resultId ?? "")
        assert.strictEqual(record.resultBytes, modelBytes.byteLength)
        assert.deepStrictEqual(new Uint8Array(readFileSync(join(runDir, MODEL_FILE))), modelBytes)
        yield* decodeDigitsModel({ modelBytes, manifestJson })
        const upload = events.find((e) => e.type === "digits.metrics.upload.v1")
        if (upload?.type === "digits.metrics.upload.v1") {
          assert.strictEqual(upload.model_bytes, modelBytes.byteLength)
          assert.strictEqual(upload.manifest_bytes, Buffer.byteLength(manifestJson))
        }

        // Prune kept the 2 newest runs of the model.
        const prune = events.find((e) => e.type === "digits.metrics.prune.v1")
        if (prune?.type === "digits.metrics.prune.v1") assert.strictEqual(prune.deleted_count, 2)
        assert.deepStrictEqual(readdirSync(join(artifactRoot, "mlp-32")).sort(), ["20000103-000000000-cccccc", runId].sort())
      }), harnessLayer({ metrics: { batchEvery: 10, batchMinIntervalMs: 0 }, storeDir, env })), 60_000)
  })

  describe("bad payloads fail as user errors", () => {
    const cases = [
      { name: "epochs 0", payload: { model_id: "mlp-32", epochs: 0 }, error: /epochs must be an integer from 1 to 100/ },
      { name: "negative learning rate", payload: { model_id: "mlp-32", learning_rate: -0.01 }, error: /learning_rate must be a finite number in \(0, 1\]/ },
      { name: "unknown model", payload: { model_id: "mlp-999" }, error: /unknown digits model "mlp-999" \(known: mlp-32, mlp-64, mlp-128\) at \["model_id"\]/ }
    ]
    for (const c of cases) {
      it.effect(c.name, () =>
        fresh(Effect.gen(function*() {
          yield* startJobWorker(digitsJob)
          const { jobId } = yield* enqueue("digits", c.payload)
          const record = yield* awaitOutcome("digits", jobId)
          assert.strictEqual(record.status.status, "failed")
          assert.strictEqual(record.errorKind, "user")
          assert.match(record.lastError ?? "", c.error)
        }), harnessLayer({ storeDir: tempDir("digits-store-"), env: { DIGITS_ARTIFACT_DIR: tempDir("digits-a-") } })))
    }
  })

  it.effect("a run cancelled mid-training leaves no artifact, temp or final", () => {
    const artifactRoot = tempDir("digits-cancel-")
    return fresh(Effect.gen(function*() {
      const worker = yield* startJobWorker(digitsJob)
      const bus = yield* EventBus
      const { jobId } = yield* enqueue("digits", { ...smallRun, epochs: 20 })
      // Wait for the first epoch of the run, then cancel it.
      yield* bus.subscribe("digits", { from: "0" }).pipe(
        Stream.filter((e) => e.message.event.type === "digits.metrics.epoch.v1"),
        Stream.take(1),
        Stream.runDrain
      )
      assert.isTrue(yield* worker.stopJob(jobId, "cancelled"))
      const record = yield* awaitOutcome("digits", jobId)
      assert.strictEqual(record.status.status, "failed")
      assert.strictEqual(record.lastError, "cancelled by request")
      const modelDir = join(artifactRoot, "mlp-32")
      assert.deepStrictEqual(existsSync(modelDir) ? readdirSync(modelDir) : [], [])
    }), harnessLayer({ storeDir: tempDir("digits-store-"), env: { DIGITS_ARTIFACT_DIR: artifactRoot } }))
  }, 60_000)
})

layer(RedisServer.layer(), { excludeTestServices: true })("digits job with redis-server stopped", (it) => {
  it.effect("the job program runs to its end under SIGSTOP; after SIGCONT the job completes and its metrics arrive", () =>
    fresh(Effect.gen(function*() {
      const server = yield* RedisServer
      const queue = yield* JobQueue
      const { jobId } = yield* enqueue("digits", smallRun)
      const claimed = (yield* queue.claim("digits", 1, "test-worker")).jobs[0]
      assert.isDefined(claimed)
      if (claimed === undefined) return
      const ctx = yield* JobContext.make({
        domain: "digits", jobId, userId: 7n, queue: "digits",
        executionId: claimed.executionId, attempt: claimed.attempt, maxAttempts: claimed.maxAttempts
      })
      // SIGCONT only once the program has returned: if anything in it waited on Redis, this would hang.
      server.process.kill("SIGSTOP")
      const outcome = yield* runDigitsTraining(smallRun).pipe(
        Effect.provideService(JobContext, ctx),
        Effect.ensuring(Effect.sync(() => server.process.kill("SIGCONT")))
      )
      // As a worker does: the job's queued metrics go out before its completion is reported.
      assert.isTrue(yield* (yield* MetricsEmitter).flush("20 seconds"), "queued metrics are published once Redis is back")
      yield* ctx.publishCompleted(outcome.result)
      assert.isAbove(outcome.training.valAcc, 0.8)
      const record = yield* awaitOutcome("digits", jobId)
      assert.strictEqual(record.status.status, "completed")
      const types = metricsEvents(yield* eventsUntilEnd("digits", jobId)).map((e) => e.type)
      assert.strictEqual(types[0], "digits.metrics.config.v1")
      assert.include(types, "digits.metrics.completed.v1")
    }), harnessLayer({
      metrics: { flushTimeoutMs: 200 },
      storeDir: tempDir("digits-store-"),
      env: { DIGITS_ARTIFACT_DIR: tempDir("digits-stopped-") }
    })), 60_000)
})

describe("writing artifacts", () => {
  const artifact = { modelBytes: new Uint8Array(4096).fill(7), manifestJson: "{\"run_id\":\"r\"}" }

  vitestIt.live("interrupted while writing: neither the run directory nor its temp directory remains", () =>
    Effect.gen(function*() {
      const root = tempDir("digits-write-")
      const fiber = yield* Effect.forkChild(writeRunArtifacts(root, "mlp-32", "run-1", artifact), { startImmediately: true })
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(readdirSync(join(root, "mlp-32")), [])
    }))

  vitestIt.live("pruning keeps the newest runs by run id and never counts or removes temp directories", () =>
    Effect.gen(function*() {
      const root = tempDir("digits-prune-")
      const runs = ["20240101-000000000-aaaaaa", "20250101-000000000-bbbbbb", "20260101-000000000-cccccc"]
      for (const run of [...runs, ".tmp-20270101-000000000-dddddd-1234"]) mkdirSync(join(root, "mlp-64", run), { recursive: true })
      assert.strictEqual(yield* pruneRuns(root, "mlp-64", 2), 1)
      assert.deepStrictEqual(readdirSync(join(root, "mlp-64")).sort(), [".tmp-20270101-000000000-dddddd-1234", ...runs.slice(1)])
      assert.strictEqual(yield* pruneRuns(root, "mlp-64", 2), 0)
    }))

  vitestIt.live("a failed rename (run directory already taken) removes the temp directory and fails", () =>
    Effect.gen(function*() {
      const root = tempDir("digits-write-")
      mkdirSync(join(root, "mlp-32", "run-1"), { recursive: true })
      writeFileSync(join(root, "mlp-32", "run-1", "other"), "x")
      const result = yield* Effect.result(writeRunArtifacts(root, "mlp-32", "run-1", artifact))
      assert.strictEqual(result._tag, "Failure")
      if (result._tag === "Failure") assert.match(result.failure.message, /rename .*run-1 failed/)
      assert.deepStrictEqual(readdirSync(join(root, "mlp-32")), ["run-1"])
      assert.deepStrictEqual(readdirSync(join(root, "mlp-32", "run-1")), ["other"])
    }))
})
