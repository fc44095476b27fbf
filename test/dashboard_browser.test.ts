/**
 * The dashboard end to end in a real headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core): the page asks for the token before it shows any data, a job's progress bar
 * advances and completes from server-sent events (read with fetch, carrying the token), a running
 * job is cancelled with the token and refused with a wrong one, and the strict CSP blocks nothing
 * the page needs.
 * Skipped, with a message, when /usr/bin/chromium is missing (.ci/run installs it).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema, type Scope } from "effect"
import { type Browser, chromium, type Page } from "playwright-core"
import { findJob } from "../src/domains/registry.js"
import { DashboardToken } from "../src/http/DashboardToken.js"
import { startHttpServer } from "../src/http/HttpServer.js"
import { defineJob } from "../src/runtime/JobDefinition.js"
import { JobContext } from "../src/runtime/JobContext.js"
import { JobQueue } from "../src/runtime/JobQueue.js"
import { MetricsEmitter } from "../src/runtime/MetricsEmitter.js"
import { ResultStore } from "../src/runtime/ResultStore.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../src/runtime/RuntimeLayer.js"
import { startWorker } from "../src/runtime/Worker.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

const chromiumPath = "/usr/bin/chromium"
const hasChromium = existsSync(chromiumPath)
if (!hasChromium) console.warn(`dashboard browser test skipped: ${chromiumPath} is missing (apt-get install -y chromium)`)

const token = "s3cret-dashboard-token"

/** A job that reports progress in equal steps, so the bar has something to show. */
const stepJob = defineJob({
  domain: "qr",
  payload: Schema.Struct({ steps: Schema.Int, ms: Schema.Int }),
  run: ({ ms, steps }) =>
    Effect.gen(function*() {
      const ctx = yield* JobContext
      for (let i = 1; i <= steps; i++) {
        yield* Effect.sleep(ms)
        yield* ctx.publishProgress(Math.min(99, Math.round((100 * i) / steps)), `step ${i} of ${steps}`)
      }
      return { resultId: `steps-${ctx.info.jobId}`, resultBytes: steps }
    })
})

const runtime = runtimeLayer(redisClientOnServer.pipe(Layer.provide(RedisServer.layer())), RuntimeConfig.layerWith({ leaseMs: 3_000 }))
const services = Layer.mergeAll(MetricsEmitter.layer, ResultStore.layerMemory({ maxBytes: 64 * 1024 * 1024 })).pipe(Layer.provideMerge(runtime))

/** The digits job writes its artifacts under DIGITS_ARTIFACT_DIR; keep them out of the working tree. */
const artifactDir = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = mkdtempSync(join(tmpdir(), "jobs-digits-artifacts-"))
    process.env["DIGITS_ARTIFACT_DIR"] = dir
    return dir
  }),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

// Playwright starts Chromium with a fresh temporary profile of its own; the flags keep it off the network.
const launch: Effect.Effect<Browser, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })),
  (browser) => Effect.promise(() => browser.close())
)

const row = (page: Page, jobId: string) => page.locator(`tr[data-job="qr/${jobId}"]`)
const attribute = (page: Page, jobId: string, name: string) =>
  Effect.promise(() => row(page, jobId).getAttribute(name, { timeout: 10_000 }))

const waitUntil = (what: string, check: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 300; i++) {
      if (yield* check) return
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })

describe.skipIf(!hasChromium)("dashboard in headless Chromium", () => {
  it.live("shows progress bars advance and complete (a step job and a digits training run), asks for the token before showing data, refuses a cancel with a wrong token and cancels with the right one", () =>
    Effect.gen(function*() {
      const queue = yield* JobQueue
      yield* artifactDir
      yield* startWorker(stepJob, { concurrency: 2, graceMs: 200 })
      const digits = yield* findJob("digits")
      yield* digits.startWorker({ concurrency: 1, graceMs: 200 })
      const server = yield* startHttpServer({ port: 0, domains: ["qr", "digits"], dashboard: { token: DashboardToken.layer(token) } })
      const browser = yield* launch
      const page = yield* Effect.promise(() => browser.newPage())
      const cspViolations: Array<string> = []
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
      })
      yield* Effect.promise(() => page.goto(`${server.url}/`))
      // No token yet: the page says so and holds no data.
      yield* Effect.promise(() => page.locator("#connection", { hasText: "enter the dashboard token" }).waitFor({ timeout: 10_000 }))
      assert.strictEqual(yield* Effect.promise(() => page.locator("#jobs tbody tr").count()), 0)
      yield* Effect.promise(() => page.fill("#token", token))
      yield* Effect.promise(() => page.click("#connect"))
      yield* Effect.promise(() => page.locator("#connection", { hasText: "live" }).waitFor({ timeout: 10_000 }))
      assert.strictEqual(yield* Effect.promise(() => page.locator("body").getAttribute("data-actions")), "enabled")

      // Progress: the bar advances through several values and ends complete.
      const { jobId } = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { steps: 8, ms: 250 } })
      const seen = new Set<string>()
      yield* waitUntil("the job to complete on the page", Effect.gen(function*() {
        const progress = yield* attribute(page, jobId, "data-progress")
        if (progress !== null) seen.add(progress)
        return (yield* attribute(page, jobId, "data-status")) === "completed"
      }))
      const between = [...seen].map(Number).filter((p) => p > 0 && p < 100)
      assert.isAtLeast(between.length, 2, `progress values seen on the page: ${[...seen].join(", ")}`)
      assert.strictEqual(yield* attribute(page, jobId, "data-progress"), "100")
      const width = yield* Effect.promise(() => row(page, jobId).locator(".fill").evaluate((el) => el.getAttribute("style")))
      assert.match(width ?? "", /width: 100%/)
      assert.match(yield* Effect.promise(() => row(page, jobId).locator(".message").innerText()), new RegExp(`^✓ steps-${jobId} \\(8 bytes\\)`))
      const queuesRow = page.locator(`#queues tr[data-domain="qr"] td[data-count="waiting"]`)
      assert.strictEqual(yield* Effect.promise(() => queuesRow.innerText()), "0")

      // A real digits training run: its metrics cell updates as batch and epoch events arrive.
      const training = yield* queue.enqueue({ domain: "digits", userId: 1n, payload: { model_id: "mlp-32", epochs: 8 } })
      const trainingRow = page.locator(`tr[data-job="digits/${training.jobId}"]`)
      const metricsSeen = new Set<string>()
      yield* waitUntil("the training run to complete on the page", Effect.gen(function*() {
        const status = yield* Effect.promise(() => trainingRow.getAttribute("data-status", { timeout: 10_000 }))
        const metrics = yield* Effect.promise(() => trainingRow.locator(".metrics").innerText())
        if (status === "running" && metrics.includes("samples/s")) metricsSeen.add(metrics)
        return status === "completed"
      }))
      assert.isAtLeast(metricsSeen.size, 2, `training metrics seen while running: ${[...metricsSeen].join(" | ")}`)
      const finalMetrics = yield* Effect.promise(() => trainingRow.locator(".metrics").innerText())
      assert.match(finalMetrics, /epoch 8\/8 · batch \d+\/\d+ · loss \d\.\d{4} · acc [\d.]+ · val_acc 0\.\d{4} · best 0\.\d{4} @\d · \d+ samples\/s/)

      // Cancel: refused with a wrong token (typed, not submitted: the stream keeps its connection), done with the right one.
      const long = yield* queue.enqueue({ domain: "qr", userId: 1n, payload: { steps: 200, ms: 100 } })
      yield* waitUntil("the long job to show progress", Effect.map(attribute(page, long.jobId, "data-progress"), (p) => Number(p) > 0))
      const cancelButton = row(page, long.jobId).locator(`button[data-action="cancel"]`)
      yield* Effect.promise(() => page.fill("#token", "not-the-token"))
      yield* Effect.promise(() => cancelButton.click())
      yield* Effect.promise(() => page.locator("#notice", { hasText: "cancel refused (401)" }).waitFor({ timeout: 10_000 }))
      assert.strictEqual(yield* attribute(page, long.jobId, "data-status"), "running")

      yield* Effect.promise(() => page.fill("#token", token))
      yield* Effect.promise(() => row(page, long.jobId).locator(`button[data-action="cancel"]`).click())
      yield* Effect.promise(() => page.locator("#notice", { hasText: `cancel ${long.jobId}: requested` }).waitFor({ timeout: 10_000 }))
      yield* waitUntil("the cancelled job to show as failed", Effect.map(attribute(page, long.jobId, "data-status"), (s) => s === "failed"))
      assert.match(yield* Effect.promise(() => row(page, long.jobId).locator(".message").innerText()), /^✗ cancelled by request/)

      // Detail: the event history ends with the failure.
      yield* Effect.promise(() => row(page, long.jobId).locator("a.job").click())
      yield* Effect.promise(() => page.locator("#history li", { hasText: "qr.job.failed.v1" }).waitFor({ timeout: 10_000 }))
      const detail = yield* Effect.promise(() => page.locator("#detail").innerText())
      assert.match(detail, /error \(user\): cancelled by request/)
      assert.deepStrictEqual(cspViolations, [])
    }).pipe(Effect.scoped, Effect.provide(services)), 90_000)
})

