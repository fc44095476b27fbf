import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Fraction, IsoTimestamp, NonNegativeNumber } from "../src/contracts/WireFields.js"

const accepts = (schema: Schema.Codec<unknown>, value: unknown) => Schema.decodeUnknownExit(schema)(value)._tag === "Success"

describe("wire field schemas", () => {
  it("accepts ISO-8601 timestamps with Z or an offset, with or without fractions", () => {
    for (const ts of [
      "2026-11-23T01:02:03Z",
      "2026-11-23T01:02:03.4Z",
      "2026-11-23T01:02:03.123456789Z",
      "2026-11-23T23:59:59+14:00",
      "2026-11-23T00:00:00-12:00",
      "2028-02-29T12:00:00Z"
    ]) assert.isTrue(accepts(IsoTimestamp, ts), ts)
  })

  it("rejects timestamps that are not ISO-8601 date-times or name no real instant", () => {
    for (const ts of [
      "2026-11-23",
      "2026-11-23 01:02:03Z",
      "2026-11-23T01:02:03",
      "1763859723",
      "2026-02-29T12:00:00Z",
      "2026-04-31T00:00:00+02:00",
      "2026-11-23T24:00:01Z",
      "2026-13-01T00:00:00Z",
      ""
    ]) assert.isFalse(accepts(IsoTimestamp, ts), ts)
    assert.isFalse(accepts(IsoTimestamp, 1763859723000))
  })

  it("keeps accuracies to fractions and losses finite", () => {
    assert.isTrue(accepts(Fraction, 0) && accepts(Fraction, 1) && accepts(Fraction, 0.5))
    assert.isFalse(accepts(Fraction, 1.0001) || accepts(Fraction, -0.1) || accepts(Fraction, 99))
    assert.isTrue(accepts(NonNegativeNumber, 0))
    assert.isFalse(accepts(NonNegativeNumber, Number.NaN) || accepts(NonNegativeNumber, Number.POSITIVE_INFINITY))
  })
})
