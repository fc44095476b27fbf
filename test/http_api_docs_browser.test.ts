/**
 * The API's docs page (/api/v1/docs, Swagger UI) in a real headless Chromium under the server's CSP:
 * the page renders the operations of the OpenAPI document, and the browser reports no CSP violation and
 * no script error. Skipped, with a message, when /usr/bin/chromium is missing (.ci/run installs it).
 */
import { existsSync } from "node:fs"
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { chromium } from "playwright-core"
import * as Database from "../src/sql/Database.js"
import { ApiServer, apiServerLayer } from "./support/ApiServer.js"

const chromiumPath = "/usr/bin/chromium"

if (!existsSync(chromiumPath)) {
  describe.skip("API docs page in Chromium (no /usr/bin/chromium: apt-get install -y chromium)", () => {})
} else {
  layer(apiServerLayer(Database.layerEmbedded()), { excludeTestServices: true, timeout: "120 seconds" })("API docs page in Chromium", (it) => {
    it.effect("renders every operation group with no CSP violation or script error", () =>
      Effect.gen(function*() {
        const { url } = yield* ApiServer
        const browser = yield* Effect.acquireRelease(
          Effect.promise(() => chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] })),
          (b) => Effect.promise(() => b.close())
        )
        const problems = yield* Effect.promise(async () => {
          const page = await browser.newPage()
          const seen: Array<string> = []
          page.on("console", (message) => {
            if (message.type() === "error") seen.push(message.text())
          })
          page.on("pageerror", (error) => seen.push(error.message))
          await page.goto(`${url}/api/v1/docs`)
          await page.waitForSelector(".opblock-tag", { timeout: 30_000 })
          const tags = await page.locator(".opblock-tag").allTextContents()
          const operations = await page.locator(".opblock").count()
          return { seen, tags, operations }
        })
        assert.deepStrictEqual(problems.seen, [])
        assert.isTrue(problems.tags.some((tag) => tag.includes("jobs")) && problems.tags.some((tag) => tag.includes("tasks")), problems.tags.join(","))
        assert.isAtLeast(problems.operations, 26)
      }).pipe(Effect.scoped))
  })
}
