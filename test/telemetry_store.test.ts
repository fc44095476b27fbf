import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as Database from "../src/sql/Database.js"
import { monthOf, partitionName } from "../src/telemetry/months.js"
import * as TelemetryMaintenance from "../src/telemetry/TelemetryMaintenance.js"
import { TelemetryStore } from "../src/telemetry/TelemetryStore.js"
import { telemetryStoreSuite } from "./conformance/telemetryStore.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"

telemetryStoreSuite("embedded PGlite", Database.layerEmbedded())

telemetryStoreSuite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))

describe("TelemetryMaintenance", () => {
  it.effect("runs at start and then on its interval with the clock's time, so crossing a month boundary creates the next partition", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2031, 0, 31, 23, 30))
      const months: Array<string> = []
      const ensured = new Set<string>()
      const fake = TelemetryStore.of({
        insert: () => Effect.die("unused"), insertEncoded: () => Effect.die("unused"),
        ensurePartitions: () => Effect.die("unused"), partitions: Effect.succeed([]), refreshAggregates: Effect.succeed(0),
        lineage: () => Effect.die("unused"),
        maintain: (at) => Effect.sync(() => {
          months.push(new Date(at).toISOString())
          // What the real store does (tested above on both databases): this month and the next two.
          const created = [0, 1, 2].map((ahead) => partitionName(monthOf(at) + ahead)).filter((name) => !ensured.has(name))
          for (const name of created) ensured.add(name)
          return { created, dropped: [], hoursRefreshed: 0, aggregatesPruned: 0 }
        })
      })
      yield* TelemetryMaintenance.run(3_600_000).pipe(Effect.provideService(TelemetryStore, fake))
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(months, ["2031-01-31T23:30:00.000Z"])
      assert.deepStrictEqual([...ensured], ["telemetry_events_p203101", "telemetry_events_p203102", "telemetry_events_p203103"])
      yield* TestClock.adjust("1 hour")
      assert.strictEqual(months.length, 2)
      assert.match(months[1] ?? "", /^2031-02-01T00:30:00\.00[01]Z$/u)
      assert.include([...ensured], "telemetry_events_p203104")
    }).pipe(Effect.scoped))
})
