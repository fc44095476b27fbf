/**
 * A throwaway redis-server on a free loopback port, started for a test file and
 * stopped after it (its data directory is a fresh temp dir, removed on stop).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Layer, Redacted } from "effect"
import { Redis as IORedis } from "ioredis"
import { RedisClient } from "../../src/redis/RedisClient.js"

export interface RedisServerHandle {
  readonly port: number
  readonly url: string
  readonly dir: string
  readonly process: ChildProcess
  /** Stops the server (SIGKILL when `hard`), keeping its data directory. */
  readonly stop: (hard?: boolean) => Promise<void>
  /** Starts it again on the same port and directory (after `stop`). */
  readonly restart: () => Promise<void>
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const waitForPing = async (port: number): Promise<void> => {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const client = new IORedis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on("error", () => {})
    try {
      await client.connect()
      if ((await client.ping()) === "PONG") {
        client.disconnect()
        return
      }
    } catch {
      // not up yet
    }
    client.disconnect()
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`)
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

export const startRedisServer = async (extraArgs: ReadonlyArray<string> = []): Promise<RedisServerHandle> => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "jobs-redis-"))
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", ...extraArgs]
  const launch = () => spawn("redis-server", args, { stdio: "ignore" })
  let child = launch()
  await waitForPing(port)
  const handle: RedisServerHandle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get process() {
      return child
    },
    stop: async (hard = false) => {
      child.kill(hard ? "SIGKILL" : "SIGTERM")
      await exited(child)
    },
    restart: async () => {
      child = launch()
      await waitForPing(port)
    }
  }
  return handle
}

export class RedisServer extends Context.Service<RedisServer, RedisServerHandle>()("test/RedisServer") {
  static readonly layer = (extraArgs: ReadonlyArray<string> = []) =>
    Layer.effect(
      RedisServer,
      Effect.acquireRelease(
        Effect.promise(() => startRedisServer(extraArgs)),
        (server) =>
          Effect.promise(async () => {
            await server.stop(true)
            rmSync(server.dir, { recursive: true, force: true })
          })
      )
    )
}

/** A RedisClient on the real layer, connected to the test's redis-server. */
export const redisClientOnServer: Layer.Layer<RedisClient, never, RedisServer> = Layer.unwrap(
  Effect.map(RedisServer, (server) => RedisClient.layerIORedis(Redacted.make(server.url)).pipe(Layer.orDie))
)
