/**
 * Writes `schemas/events/*.json` from the Effect event schemas (`npm run schemas`), and removes files for
 * schemas that no longer exist. test/contracts_json_schemas.test.ts fails when the committed files differ.
 */
import { NodeFileSystem, NodeRuntime } from "@effect/platform-node"
import { Effect, FileSystem } from "effect"
import { generateJsonSchemaFiles } from "../src/contracts/JsonSchemas.js"

const outputDir = new URL("../schemas/events/", import.meta.url).pathname

const program = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  yield* fs.makeDirectory(outputDir, { recursive: true })
  const files = generateJsonSchemaFiles()
  const wanted = new Set(files.map((file) => file.fileName))
  for (const name of yield* fs.readDirectory(outputDir)) {
    if (name.endsWith(".json") && !wanted.has(name)) {
      yield* fs.remove(`${outputDir}${name}`)
      yield* Effect.log(`removed ${name}`)
    }
  }
  for (const file of files) yield* fs.writeFileString(`${outputDir}${file.fileName}`, file.content)
  yield* Effect.log(`wrote ${files.length} schemas to schemas/events/`)
})

NodeRuntime.runMain(program.pipe(Effect.provide(NodeFileSystem.layer)))
