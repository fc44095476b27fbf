/**
 * A private PostgreSQL cluster for a test file, from Debian's `postgresql` package: `initdb` into a
 * fresh temp dir, `pg_ctl start` on a free loopback port (socket in the same dir, trust auth), and
 * `pg_ctl stop` + removal after. It never touches a system cluster (Debian's may run on 5432).
 *
 * initdb refuses to run as root, so as root both tools run as the `postgres` user the package
 * creates, in a temp dir handed to that user.
 */
import { execFileSync, spawn } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Layer, Redacted } from "effect"
import * as Database from "../../src/sql/Database.js"
import { freePort } from "./RedisServer.js"

export interface PostgresServerHandle {
  readonly port: number
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  readonly url: string
  readonly dir: string
  /** Stops the server (`immediate`: no checkpoint, like a crash), keeping its data directory. */
  readonly stop: (mode?: "fast" | "immediate") => Promise<void>
  /** Starts it again on the same port and data directory (after `stop`). */
  readonly restart: () => Promise<void>
}

const versionOf = (name: string): number => Number.parseInt(name, 10) || 0

/** The newest installed server's bin dir: /usr/lib/postgresql/<major>/bin, else `pg_config --bindir`. */
export const postgresBinDir = (): string => {
  const root = "/usr/lib/postgresql"
  const majors = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, "bin", "initdb"))) : []
  const newest = majors.sort((a, b) => versionOf(b) - versionOf(a))[0]
  if (newest !== undefined) return join(root, newest, "bin")
  return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim()
}

const isRoot = (): boolean => process.getuid?.() === 0

/** Runs a PostgreSQL tool, as `postgres` when we are root; rejects with its stderr. */
const runTool = (bin: string, args: ReadonlyArray<string>): Promise<void> =>
  new Promise((resolve, reject) => {
    const [command, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, [...args]]
    // stdout ignored and 'exit' (not 'close') awaited: the postmaster pg_ctl starts must not hold us.
    const child = spawn(command, argv, { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.once("error", reject)
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${bin} ${args.join(" ")} exited with ${code}: ${stderr.trim()}`))
    )
  })

const handOver = (dir: string): void => {
  if (!isRoot()) return
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
  chownSync(dir, uid, gid)
}

export const startPostgresServer = async (): Promise<PostgresServerHandle> => {
  const bin = postgresBinDir()
  const dir = mkdtempSync(join(tmpdir(), "jobs-pg-"))
  handOver(dir)
  const data = join(dir, "data")
  const log = join(dir, "server.log")
  await runTool(join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
  const port = await freePort()
  // fsync off: a test cluster trades durability for speed (`stop("immediate")` still recovers via WAL).
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`
  const start = () =>
    runTool(join(bin, "pg_ctl"), ["-D", data, "-l", log, "-o", options, "-w", "-t", "30", "start"]).catch((error: unknown) => {
      const serverLog = existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : ""
      throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}: ${String(error)}\n${serverLog}`)
    })
  await start()
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    stop: (mode = "fast") => runTool(join(bin, "pg_ctl"), ["-D", data, "-m", mode, "-w", "stop"]),
    restart: start
  }
}

/** Stops the server if it still runs and removes its directory. */
export const removePostgresServer = async (server: PostgresServerHandle): Promise<void> => {
  await server.stop("immediate").catch(() => undefined)
  rmSync(server.dir, { recursive: true, force: true })
}

export class PostgresServer extends Context.Service<PostgresServer, PostgresServerHandle>()("test/PostgresServer") {
  static readonly layer = (): Layer.Layer<PostgresServer> =>
    Layer.effect(
      PostgresServer,
      Effect.acquireRelease(
        Effect.promise(() => startPostgresServer()),
        (server) => Effect.promise(() => removePostgresServer(server))
      )
    )
}

/** The real PostgreSQL layer (`Database.layerPg`), connected to the test's server. */
export const sqlClientOnServer: Layer.Layer<Database.Database, never, PostgresServer> = Layer.unwrap(
  Effect.map(PostgresServer, (server) => Database.layerPg(Redacted.make(server.url)).pipe(Layer.orDie))
)
