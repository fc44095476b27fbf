/**
 * The package as another project gets it: `npm pack` this repository, install the tarball into a
 * scratch project outside it, write the README's "Use it from your own project" examples there,
 * compile them with tsc against the installed `.d.ts` files and run them with node, on the
 * in-memory twin and on a real redis-server. Only documented exports are used: the examples import
 * nothing but `effect-jobs`, `effect-jobs/client` and `effect-jobs/testing`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServerHandle, startRedisServer } from "./support/RedisServer.js"

const run = promisify(execFile)
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const node = join(root, "node_modules/.bin/node")

/** The README section's code blocks, each opened as ```ts <file name>. */
const readmeExamples = (): ReadonlyArray<readonly [string, string]> => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("## Use it from your own project"), readme.indexOf("## Domains"))
  return [...section.matchAll(/^```ts (\S+\.ts)\n([\s\S]*?)^```$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""] as const)
}

/** What `npm pack --json` prints: one entry per packed package. */
const PackResult = Schema.fromJsonString(Schema.NonEmptyArray(Schema.Struct({ filename: Schema.String })))

let work: string
let app: string
let redis: RedisServerHandle

const runExample = async (file: string, env: Record<string, string>) => {
  const { stdout } = await run(node, [join(app, "out", file.replace(/\.ts$/, ".js"))], {
    cwd: app, env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 60_000
  })
  // The worker's own log lines go to stdout too; the examples' answers are JSON outcomes and refusals.
  return stdout.trim().split("\n").filter((line) => /^(\{|shout payload)/.test(line))
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "effect-jobs-package-"))
  // npm pack runs the prepack script: the library build (tsc) and the CLI bundle.
  const packed = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: root, maxBuffer: 64 * 1024 * 1024 })
  const [info] = Schema.decodeUnknownSync(PackResult)(packed.stdout.slice(packed.stdout.indexOf("[")))
  app = join(work, "app")
  mkdirSync(app)
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "scratch-app", private: true, type: "module" }))
  const typesNode = JSON.parse(readFileSync(join(root, "node_modules/@types/node/package.json"), "utf8")).version
  // Everything it needs is in npm's cache after this repository's own install.
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error",
    join(work, info.filename), `@types/node@${typesNode}`], { cwd: app, timeout: 240_000 })
  const examples = readmeExamples()
  expect(examples.map(([file]) => file)).toEqual(["shout.ts", "worker.ts", "produce.ts", "client.ts", "together.ts"])
  for (const [file, text] of examples) writeFileSync(join(app, file), text)
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true,
      exactOptionalPropertyTypes: true, types: ["node"], outDir: "out", skipLibCheck: false
    },
    include: ["*.ts"]
  }))
  await run(join(root, "node_modules/.bin/tsc"), ["-p", app], { cwd: app }).catch((error: { readonly stdout?: string }) => {
    throw new Error(`the README examples do not compile:\n${error.stdout ?? String(error)}`)
  })
  redis = await startRedisServer()
}, 400_000)

afterAll(async () => {
  await redis?.stop()
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
})

describe("the packed package in a scratch project", () => {
  it("runs a worker and a producer in one program on the in-memory layers (a failure comes back typed)", async () => {
    const [line] = await runExample("together.ts", {})
    expect(JSON.parse(line ?? "")).toMatchObject({ _tag: "Failed", errorKind: "user", message: "text is empty" })
  }, 60_000)

  it("runs the Promise client with its worker on the in-memory twin", async () => {
    const [line] = await runExample("client.ts", {})
    expect(JSON.parse(line ?? "")).toMatchObject({ _tag: "Completed", resultId: "FROM A PROMISE" })
  }, 60_000)

  it("runs worker.ts as its own process against redis-server, produce.ts and client.ts await outcomes, SIGTERM drains it", async () => {
    const env = { REDIS_URL: redis.url }
    const worker: ChildProcess = spawn(node, [join(app, "out/worker.js")], { cwd: app, env: { PATH: process.env["PATH"] ?? "", ...env } })
    const exited = new Promise<number | null>((done) => worker.once("exit", (code) => done(code)))
    try {
      await new Promise<void>((ready, failed) => {
        worker.stdout?.on("data", (chunk: Buffer) => { if (chunk.toString().includes("worker ready")) ready() })
        worker.once("exit", (code) => failed(new Error(`worker exited with ${code}`)))
      })
      const [outcome, refused] = await runExample("produce.ts", env)
      expect(JSON.parse(outcome ?? "")).toEqual(expect.objectContaining({ _tag: "Completed", resultId: "HELLO HELLO", resultBytes: 11 }))
      expect(refused).toMatch(/shout payload: .*\["text"\]/)
      const [viaClient] = await runExample("client.ts", env)
      expect(JSON.parse(viaClient ?? "")).toMatchObject({ _tag: "Completed", resultId: "FROM A PROMISE" })
    } finally {
      worker.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
  }, 120_000)
})
