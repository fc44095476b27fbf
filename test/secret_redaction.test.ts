/**
 * `REDIS_URL` never prints its password, whatever characters it holds (`/ @ : # ? %`, common in
 * generated passwords) and whether or not the URL parses: not in `describe`, not in connection
 * errors (where ioredis may have taken part of the password for a host), not in the CLI's output.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { Redis as IORedis } from "ioredis"
import { RedisClient } from "../src/redis/RedisClient.js"
import { redactSecretsIn, redactUrl } from "../src/redis/redactUrl.js"
import { runCli } from "./support/Cli.js"
import { freePort, startRedisServer } from "./support/RedisServer.js"

const passwords = [
  "plainSecret123",
  "pa/ss/w0rd-Xy",
  "p@ss@w0rd-Xy",
  "pass:w0rd:Xy",
  "pass#w0rd-Xy",
  "pass?w0rd=Xy",
  "pass%2Fw0rd%zz",
  "/@:#?%all-of-them"
]

/** Every piece of the password a parser could print on its own (3 characters or more). */
const pieces = (password: string) => [password, ...password.split(/[:/@#?&=%]/).filter((p) => p.length >= 3)]

const assertNoSecret = (text: string, password: string) => {
  for (const piece of pieces(password)) assert.notInclude(text, piece, `"${piece}" of the password printed in: ${text}`)
}

describe("secret redaction", () => {
  it("redactUrl hides the password of a URL whatever its characters, keeping host, port and db", () => {
    for (const password of passwords) {
      for (const url of [`redis://:${password}@10.1.2.3:6380/2`, `rediss://default:${password}@cache.example:6379`]) {
        const shown = redactUrl(url)
        assertNoSecret(shown, password)
        // A `?` or `#` in the password makes the split ambiguous: then the host is hidden too.
        const expected = /[?#]/.test(password) ? /^rediss?:\/\/<redacted>$/ : /^rediss?:\/\/<redacted>@(10\.1\.2\.3:6380\/2|cache\.example:6379)$/
        assert.match(shown, expected, shown)
      }
    }
  })

  it("redactUrl hides secrets in URLs that do not parse and in query options", () => {
    for (const password of passwords) {
      assertNoSecret(redactUrl(`${password}@host:6379`), password)
      assertNoSecret(redactUrl(`redis//:${password}@host`), password)
      assertNoSecret(redactUrl(`redis://host:6379/0?password=${password}`), password)
      assertNoSecret(redactUrl(`redis:${password}`), password)
    }
    assert.strictEqual(redactUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379")
    assert.strictEqual(redactUrl("localhost:6379"), "localhost:6379")
    assert.strictEqual(redactUrl("not a url at all / s3cr3t"), "<redacted> url")
  })

  it("redactSecretsIn removes the password and its pieces from a message", () => {
    const url = "redis://:p@ss/w0rd#frag@db.internal:6379"
    const message = "getaddrinfo ENOTFOUND ss/w0rd#frag (from p@ss/w0rd#frag) w0rd"
    const cleaned = redactSecretsIn(message, url)
    assertNoSecret(cleaned, "p@ss/w0rd#frag")
    assert.match(cleaned, /^getaddrinfo ENOTFOUND /)
  })

  it.live("a failed connection's error and a connected client's describe never show the password", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(() => freePort())
      for (const password of passwords) {
        for (const url of [`redis://:${password}@127.0.0.1:${port}/0`, `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`]) {
          const failed = yield* Effect.flip(Effect.scoped(Effect.gen(function*() {
            return yield* RedisClient
          }).pipe(Effect.provide(RedisClient.layerIORedis(Redacted.make(url))))))
          assertNoSecret(failed.message, password)
          assertNoSecret(failed.message, encodeURIComponent(password))
        }
      }
      // A server that requires the password: the client connects and still describes itself redacted.
      const password = "/@:#?%all-of-them"
      const server = yield* Effect.acquireRelease(Effect.promise(() => startRedisServer()), (s) => Effect.promise(() => s.stop(true)))
      // Set after start: the harness waits for an unauthenticated PING.
      yield* Effect.promise(async () => {
        const admin = new IORedis(server.port, "127.0.0.1")
        await admin.config("SET", "requirepass", password)
        admin.disconnect()
      })
      const url = `redis://:${encodeURIComponent(password)}@127.0.0.1:${server.port}/0`
      const describeText = yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* RedisClient
        assert.strictEqual(yield* client.send("PING"), "PONG")
        return client.describe
      }).pipe(Effect.provide(RedisClient.layerIORedis(Redacted.make(url)))))
      assertNoSecret(describeText, password)
      assertNoSecret(describeText, encodeURIComponent(password))
      assert.strictEqual(describeText, `redis://<redacted>@127.0.0.1:${server.port}/0`)
    }), 60_000)

  it("the CLI's error output never shows the password of an unreachable or unparsable REDIS_URL", async () => {
    const port = await freePort()
    for (const url of [`redis://:pa/ss@w0rd#Xy?z@127.0.0.1:${port}`, "p@ss/w0rd#Xy?z not a url"]) {
      const run = await runCli(["status", "--domain", "qr", "some-job"], { REDIS_URL: url })
      assert.notStrictEqual(run.code, 0)
      assertNoSecret(run.stdout + run.stderr, "pa/ss@w0rd#Xy?z")
      assertNoSecret(run.stdout + run.stderr, "p@ss/w0rd#Xy?z")
    }
  }, 60_000)
})
