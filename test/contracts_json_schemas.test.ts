import { assert, describe, it } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import { Effect, Schema } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { eventSchemaFiles, generateJsonSchemaFiles } from "../src/contracts/JsonSchemas.js"
import { stringifyWire } from "../src/contracts/WireJson.js"
import { samplesByFile } from "./contracts_samples.js"

const schemasDir = new URL("../schemas/events/", import.meta.url)
const generated = generateJsonSchemaFiles()
const committed = readdirSync(schemasDir).filter((name) => name.endsWith(".json")).sort()

// What a JSON Schema validator sees is the wire JSON: user_id is a bigint until it is written.
const wireForm = (value: unknown): unknown => JSON.parse(stringifyWire(value))

const validatorFor = (content: string) => {
  const ajv = new Ajv2020({ strict: true, allErrors: true })
  // Formats are annotations here; the patterns carry the checks.
  ajv.addFormat("date-time", true)
  ajv.addFormat("uuid", true)
  return ajv.compile(JSON.parse(content))
}

describe("schemas/events", () => {
  it("holds exactly the generated files (run `npm run schemas` after changing a contract)", () => {
    assert.deepStrictEqual(committed, generated.map((file) => file.fileName))
  })

  for (const file of generated) {
    it(`${file.fileName} is up to date`, () => {
      assert.strictEqual(readFileSync(new URL(file.fileName, schemasDir), "utf8"), file.content)
    })
  }

  it("has a sample event for every file", () => {
    assert.deepStrictEqual(Object.keys(samplesByFile).sort(), generated.map((file) => file.fileName))
  })

  it("generates the same text twice", () => {
    assert.deepStrictEqual(generateJsonSchemaFiles(), generated)
  })

  it("names files uniquely and ends each with a newline", () => {
    assert.strictEqual(new Set(generated.map((file) => file.fileName)).size, generated.length)
    assert.strictEqual(generated.length, 44) // 28 runtime contracts + 16 job/task bus events
    for (const file of generated) assert.isTrue(file.content.endsWith("}\n"), file.fileName)
  })
})

describe("generated JSON Schemas agree with the Effect decoders", () => {
  for (const { fileName, schema } of eventSchemaFiles) {
    const content = generated.find((file) => file.fileName === fileName)?.content ?? ""
    const sample = samplesByFile[fileName]

    it.effect(`${fileName}: a valid event passes both`, () =>
      Effect.gen(function*() {
        const validate = validatorFor(content)
        assert.isTrue(validate(wireForm(sample)), JSON.stringify(validate.errors))
        assert.deepStrictEqual(yield* Schema.decodeUnknownEffect(schema)(sample), sample)
      }))

    it(`${fileName}: a missing required field fails both`, () => {
      const parsed: unknown = JSON.parse(content)
      const required = typeof parsed === "object" && parsed !== null && "required" in parsed && Array.isArray(parsed.required)
        ? parsed.required.filter((key): key is string => typeof key === "string")
        : []
      assert.isAbove(required.length, 0)
      const validate = validatorFor(content)
      for (const key of required) {
        const broken: Record<string, unknown> = { ...Object(sample) }
        delete broken[key]
        assert.isFalse(validate(wireForm(broken)), `${fileName} without ${key}`)
        assert.strictEqual(Schema.decodeUnknownExit(schema)(broken)._tag, "Failure", `${fileName} without ${key}`)
      }
    })

    it(`${fileName}: a string where a number belongs, or a wrong type, fails both`, () => {
      const validate = validatorFor(content)
      const record: Record<string, unknown> = { ...Object(sample) }
      const discriminator = "event_type" in record ? "event_type" : "type"
      // A number field gets a numeric string; events without top-level numbers get a number in a string field.
      const numericKey = Object.keys(record).find((key) => typeof record[key] === "number")
      const stringKey = Object.keys(record).find((key) => key !== discriminator && typeof record[key] === "string")
      const mistyped = numericKey === undefined ? { ...record, [stringKey ?? "missing"]: 12 } : { ...record, [numericKey]: "12" }
      assert.isTrue(numericKey !== undefined || stringKey !== undefined)
      assert.isFalse(validate(wireForm(mistyped)))
      assert.strictEqual(Schema.decodeUnknownExit(schema)(mistyped)._tag, "Failure")
      const wrongType = { ...record, [discriminator]: "other.thing.v1" }
      assert.isFalse(validate(wireForm(wrongType)))
      assert.strictEqual(Schema.decodeUnknownExit(schema)(wrongType)._tag, "Failure")
    })
  }
})
