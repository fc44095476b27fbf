/**
 * The filesystem result store hands out nothing but the object named by an id: a symlink planted
 * under an id (to /etc/passwd, even under /etc/passwd's own sha256), a shard directory that is a
 * link, a FIFO, or bytes changed on disk (also after an earlier read was verified) are refused with
 * ResultCorrupt and moved to `quarantine/`. A turkic job whose input_id names such an entry fails
 * as a user error naming the id, and the `result` CLI refuses it with nothing on stdout.
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { turkicJob } from "../src/domains/turkic/job.js"
import { DashboardToken } from "../src/http/DashboardToken.js"
import { startHttpServer } from "../src/http/HttpServer.js"
import { RedisClient } from "../src/redis/RedisClient.js"
import { ResultStore, resultIdOf } from "../src/runtime/ResultStore.js"
import { RuntimeConfig } from "../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../src/runtime/RuntimeLayer.js"
import { shardPath } from "../src/runtime/resultStore/ResultId.js"
import { awaitFinished, enqueue, startDomainWorker } from "./support/DomainJobHarness.js"
import { redisClientOnServer, RedisServer } from "./support/RedisServer.js"

const passwd = readFileSync("/etc/passwd")
const passwdId = resultIdOf(passwd)

/** A store over a fresh directory, removed with the scope. */
const withStore = <A, E>(use: (root: string) => Effect.Effect<A, E, ResultStore>) =>
  Effect.scoped(Effect.gen(function*() {
    const root = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "result-integrity-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    return yield* use(root).pipe(Effect.provide(ResultStore.layerFileSystem({ root, maxBytes: 1024 * 1024 })))
  }))

const objectPath = (root: string, id: string) => join(root, ...shardPath(id))
const plantLink = (root: string, id: string, target: string) => {
  mkdirSync(join(root, ...shardPath(id).slice(0, 2)), { recursive: true })
  symlinkSync(target, objectPath(root, id))
}
const quarantined = (root: string) => (existsSync(join(root, "quarantine")) ? readdirSync(join(root, "quarantine")) : [])

/** get, getStream and stat all refuse `id` with the reason; the entry ends up in quarantine/. */
const assertRefused = (root: string, id: string, reason: string) =>
  Effect.gen(function*() {
    const store = yield* ResultStore
    const got = yield* Effect.flip(store.get(id))
    assert.strictEqual(got._tag, "ResultCorrupt")
    if (got._tag === "ResultCorrupt") {
      assert.strictEqual(got.reason, reason)
      assert.include(got.message, id)
      assert.include(got.quarantinedAt, join(root, "quarantine"))
    }
    assert.isTrue(quarantined(root).some((name) => name.startsWith(`${id}.${reason}.`)), quarantined(root).join(", "))
    // Once set aside the id holds nothing, so every later read is a plain "not found".
    assert.strictEqual((yield* Effect.flip(store.stat(id)))._tag, "ResultNotFound")
    assert.strictEqual((yield* Effect.flip(Stream.runCollect(store.getStream(id))))._tag, "ResultNotFound")
    assert.isFalse(yield* store.has(id))
  })

describe("result store integrity", () => {
  it.effect("a symlink planted under an id is refused and quarantined, even under its target's own sha256", () =>
    withStore((root) =>
      Effect.gen(function*() {
        const store = yield* ResultStore
        plantLink(root, passwdId, "/etc/passwd")
        // stat is the first read a job makes: it refuses too, before any byte is read.
        const stat = yield* Effect.flip(store.stat(passwdId))
        assert.strictEqual(stat._tag, "ResultCorrupt")
        plantLink(root, passwdId, "/etc/passwd")
        yield* assertRefused(root, passwdId, "link")
        const chunks = yield* Effect.flip(Stream.runCollect(store.getStream(passwdId)))
        assert.strictEqual(chunks._tag, "ResultNotFound")
        assert.isTrue(readFileSync("/etc/passwd").equals(passwd), "the link's target is never touched")
      })))

  it.effect("a shard directory that is a link out of the store is refused, and writes do not follow it", () =>
    withStore((root) =>
      Effect.gen(function*() {
        const store = yield* ResultStore
        const bytes = new TextEncoder().encode("outside the store")
        const id = resultIdOf(bytes)
        const [first = "", second = ""] = shardPath(id)
        const outside = mkdtempSync(join(tmpdir(), "result-outside-"))
        mkdirSync(join(outside, second))
        writeFileSync(join(outside, second, id), bytes)
        symlinkSync(outside, join(root, first))
        yield* assertRefused(root, id, "link")
        // The link was moved aside: a put lands inside the store, not in `outside`.
        symlinkSync(outside, join(root, first))
        yield* store.put(bytes)
        assert.isFalse(lstatSync(join(root, first)).isSymbolicLink())
        assert.deepStrictEqual(Buffer.from(yield* store.get(id)), Buffer.from(bytes))
        rmSync(outside, { recursive: true, force: true })
      })))

  it.effect("changed bytes are refused and quarantined, also after an earlier read was verified", () =>
    withStore((root) =>
      Effect.gen(function*() {
        const store = yield* ResultStore
        const { id } = yield* store.put(new TextEncoder().encode("original content"))
        assert.strictEqual(new TextDecoder().decode(yield* store.get(id)), "original content")
        // Same size, other bytes: only the hash can tell.
        writeFileSync(objectPath(root, id), "tampered content")
        yield* assertRefused(root, id, "hash-mismatch")
        const other = yield* store.put(new TextEncoder().encode("second object"))
        writeFileSync(objectPath(root, other.id), "second objecT")
        const streamed = yield* Effect.flip(Stream.runCollect(store.getStream(other.id)))
        assert.strictEqual(streamed._tag, "ResultCorrupt")
      })))

  it.effect("a FIFO planted under an id is refused without waiting for a writer", () =>
    withStore((root) =>
      Effect.gen(function*() {
        const id = "f".repeat(64)
        mkdirSync(join(root, ...shardPath(id).slice(0, 2)), { recursive: true })
        execFileSync("mkfifo", [objectPath(root, id)])
        yield* assertRefused(root, id, "not-a-file")
      }).pipe(Effect.timeout("5 seconds"))))

  it.live("GET /api/results/:id refuses a planted link with a 500 that names the id and none of the target", () =>
    Effect.gen(function*() {
      const root = mkdtempSync(join(tmpdir(), "result-integrity-http-"))
      plantLink(root, passwdId, "/etc/passwd")
      const server = yield* startHttpServer({
        port: 0,
        domains: ["qr"],
        dashboard: { token: DashboardToken.layer("tok"), results: ResultStore.layerFileSystem({ root, maxBytes: 1024 * 1024 }) }
      })
      const response = yield* Effect.promise(() => fetch(`${server.url}/api/results/${passwdId}`, { headers: { authorization: "Bearer tok" } }))
      const body = yield* Effect.promise(() => response.text())
      assert.strictEqual(response.status, 500)
      assert.include(body, passwdId)
      assert.notMatch(body, /root:|quarantine/)
      assert.isTrue(quarantined(root).some((name) => name.startsWith(`${passwdId}.link.`)))
      rmSync(root, { recursive: true, force: true })
    }).pipe(Effect.scoped, Effect.provide(runtimeLayer(RedisClient.layerMemory, RuntimeConfig.layerWith({ leaseMs: 2_000 })))), 30_000)

  it.live("a turkic job whose input_id names a planted link fails as a user error naming the id; `result` refuses it", () =>
    Effect.gen(function*() {
      const root = mkdtempSync(join(tmpdir(), "result-integrity-job-"))
      const services = Layer.merge(
        runtimeLayer(redisClientOnServer.pipe(Layer.provide(RedisServer.layer())), RuntimeConfig.layerWith({ leaseMs: 10_000, defaultBackoffMs: 20 })),
        ResultStore.layerFileSystem({ root, maxBytes: 1024 * 1024 })
      )
      yield* Effect.scoped(Effect.gen(function*() {
        yield* startDomainWorker(turkicJob)
        plantLink(root, passwdId, "/etc/passwd")
        const jobId = yield* enqueue("turkic", { input_id: passwdId, lang: "kk" })
        const record = yield* awaitFinished("turkic", jobId)
        assert.strictEqual(record.status.status, "failed")
        assert.strictEqual(record.errorKind, "user")
        assert.include(record.lastError ?? "", passwdId)
        assert.match(record.lastError ?? "", /symbolic link/)
        assert.isTrue(quarantined(root).some((name) => name.startsWith(`${passwdId}.link.`)))
      }).pipe(Effect.provide(services)))

      // The CLI: a planted link under a result id prints nothing of its target and exits 1.
      plantLink(root, passwdId, "/etc/passwd")
      const run = yield* Effect.promise(() =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "result", "--id", passwdId], {
            // No REDIS_URL: `result --id` needs only the store (the in-memory twin stands in for Redis).
            env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "REDIS_URL")), RESULT_STORE_DIR: root },
            stdio: ["ignore", "pipe", "pipe"]
          })
          let stdout = ""
          let stderr = ""
          child.stdout.on("data", (d: Buffer) => { stdout += d.toString() })
          child.stderr.on("data", (d: Buffer) => { stderr += d.toString() })
          child.on("close", (code) => resolve({ code, stdout, stderr }))
        }))
      assert.strictEqual(run.code, 1, run.stderr)
      // stdout holds at most the store's log line about the quarantine, never a byte of the target.
      assert.notInclude(run.stdout, passwd.toString("utf8").split("\n")[0] ?? "root:")
      assert.notMatch(run.stdout, /^root:/m)
      assert.match(run.stderr, new RegExp(`${passwdId}.*symbolic link`))
      rmSync(root, { recursive: true, force: true })
    }), 60_000)
})
