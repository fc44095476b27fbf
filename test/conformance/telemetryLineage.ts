/**
 * Lineage from the stored telemetry (TelemetryStore.lineage): the tree a job heads, through
 * parent_job_id, with each node's latest status. Run on the embedded PGlite and a real PostgreSQL.
 */
import { randomUUID } from "node:crypto"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import {
  makeJobCompletedTelemetry,
  makeJobFailedTelemetry,
  makeJobRetryingTelemetry,
  makeJobStartedTelemetry,
  type TelemetryEvent
} from "../../src/contracts/Telemetry.js"
import type { Database } from "../../src/sql/Database.js"
import { migrate } from "../../src/sql/Migrations.js"
import type { LineageNode } from "../../src/telemetry/Lineage.js"
import { defaultStoreSettings, layerWith, TelemetryStore } from "../../src/telemetry/TelemetryStore.js"
import { recordOf } from "../support/TelemetryEvents.js"

const storeLayer = (database: Layer.Layer<Database, unknown>) =>
  layerWith(defaultStoreSettings).pipe(Layer.provideMerge(Layer.effectDiscard(migrate).pipe(Layer.provideMerge(database))))

/** One attempt's events of `job` (child of `parent`), `at` ms, each a second apart. */
const attempt = (job: string, parent: string | undefined, at: number, execution: number, end: "completed" | "failed" | "retrying" | "running") => {
  const ctx = {
    job_id: job, job_execution_id: `${job}/${execution}`, task: "catalog", marketplace: "none", category: "catalog",
    correlation_id: "corr-lineage", ...(parent === undefined ? {} : { parent_job_id: parent })
  }
  const stamp = (offset: number) => ({ event_id: randomUUID(), timestamp: new Date(at + offset).toISOString() })
  const events: Array<TelemetryEvent> = [makeJobStartedTelemetry(ctx, stamp(0))]
  if (end === "completed") events.push(makeJobCompletedTelemetry(ctx, stamp(1000), { latency_ms: 1000 }))
  if (end === "failed") events.push(makeJobFailedTelemetry(ctx, stamp(1000), "boom"))
  if (end === "retrying") events.push(makeJobRetryingTelemetry(ctx, stamp(1000), execution))
  return events
}

/** The tree as nested [job, status, children] for comparison. */
const shape = (node: LineageNode): unknown => [node.job_id, node.status, node.children.map(shape)]

export const telemetryLineageSuite = (databaseName: string, database: Layer.Layer<Database, unknown>) =>
  layer(storeLayer(database).pipe(Layer.orDie), { excludeTestServices: true, timeout: "60 seconds" })(`telemetry lineage on ${databaseName}`, (it) => {
    it.effect("a 3-level chain comes back as a tree with each job's latest status", () =>
      Effect.gen(function*() {
        const store = yield* TelemetryStore
        const id = randomUUID().slice(0, 8)
        const [root, child, sibling, grandchild, stranger] = ["root", "child", "sibling", "grand", "stranger"].map((n) => `${n}-${id}`)
        if (root === undefined || child === undefined || sibling === undefined || grandchild === undefined || stranger === undefined) return
        const t = Date.now() - 60_000
        yield* store.insert("catalog", [
          ...attempt(root, undefined, t, 1, "completed"),
          // The child failed once, was retried and now runs its second attempt.
          ...attempt(child, root, t + 2000, 1, "retrying"),
          ...attempt(child, root, t + 5000, 2, "running"),
          ...attempt(sibling, root, t + 2000, 1, "completed"),
          ...attempt(grandchild, child, t + 6000, 1, "failed"),
          // Another tree's job: not part of this one.
          ...attempt(stranger, `other-${id}`, t, 1, "completed")
        ].map(recordOf))

        const tree = Option.getOrThrow(yield* store.lineage(root))
        assert.deepStrictEqual(shape(tree), [root, "completed", [
          [child, "running", [[grandchild, "failed", []]]],
          [sibling, "completed", []]
        ]])
        assert.strictEqual(tree.parent_job_id, null)
        assert.strictEqual(tree.children[0]?.parent_job_id, root)
        assert.strictEqual(tree.correlation_id, "corr-lineage")
        assert.strictEqual(tree.domain, "catalog")

        // From the middle: its own subtree, with its parent named.
        const middle = Option.getOrThrow(yield* store.lineage(child))
        assert.deepStrictEqual(shape(middle), [child, "running", [[grandchild, "failed", []]]])
        assert.strictEqual(middle.parent_job_id, root)

        assert.isTrue(Option.isNone(yield* store.lineage(`missing-${id}`)))
      }))
  })
