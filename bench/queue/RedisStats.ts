/**
 * Redis-side cost of a run: commands executed (INFO commandstats, which also counts the
 * commands a Lua script runs) and server CPU time (INFO cpu), both as deltas from `reset`.
 */
import { Redis as IORedis } from "ioredis"

export interface RedisCost {
  readonly commands: number
  /** Commands by name, for bench/README.md's per-job command list. */
  readonly byCommand: Readonly<Record<string, number>>
  /** Server time spent in each command, µs (a script's own time is under evalsha, its commands under their names too). */
  readonly usecByCommand: Readonly<Record<string, number>>
  readonly cpuMs: number
  /** Socket reads the server processed: about one per client write (a command or a pipelined batch). */
  readonly socketReads: number
}

/** The harness's own admin commands, left out of the counts. */
const adminCommands = new Set(["info", "config", "flushall", "ping"])

const parseInfo = (text: string): Map<string, string> =>
  new Map(text.split("\r\n").filter((line) => line.includes(":") && !line.startsWith("#")).map((line) => {
    const at = line.indexOf(":")
    return [line.slice(0, at), line.slice(at + 1)] as const
  }))

export class RedisStats {
  private cpuAtReset = 0
  private readsAtReset = 0
  private constructor(private readonly client: IORedis) {}

  static connect = async (url: string): Promise<RedisStats> => {
    const client = new IORedis(url, { lazyConnect: true })
    await client.connect()
    return new RedisStats(client)
  }

  private socketReads = async (): Promise<number> =>
    Number(parseInfo(await this.client.info("stats")).get("total_reads_processed") ?? 0)

  private cpuMs = async (): Promise<number> => {
    const info = parseInfo(await this.client.info("cpu"))
    return (Number(info.get("used_cpu_user") ?? 0) + Number(info.get("used_cpu_sys") ?? 0)) * 1000
  }

  /** Empties the database and zeroes the counters before a run. */
  reset = async (): Promise<void> => {
    await this.client.flushall()
    await this.client.config("RESETSTAT")
    this.cpuAtReset = await this.cpuMs()
    this.readsAtReset = await this.socketReads()
  }

  read = async (): Promise<RedisCost> => {
    const info = parseInfo(await this.client.info("commandstats"))
    const byCommand: Record<string, number> = {}
    const usecByCommand: Record<string, number> = {}
    let commands = 0
    for (const [key, value] of info) {
      const name = key.replace(/^cmdstat_/, "")
      const calls = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0)
      if (adminCommands.has(name) || calls === 0) continue
      byCommand[name] = calls
      usecByCommand[name] = Number(/usec=(\d+)/.exec(value)?.[1] ?? 0)
      commands += calls
    }
    return {
      commands,
      byCommand,
      usecByCommand,
      cpuMs: (await this.cpuMs()) - this.cpuAtReset,
      socketReads: (await this.socketReads()) - this.readsAtReset
    }
  }

  version = async (): Promise<string> => parseInfo(await this.client.info("server")).get("redis_version") ?? "unknown"

  close = async (): Promise<void> => {
    await this.client.quit()
  }
}
