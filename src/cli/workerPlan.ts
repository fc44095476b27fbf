/**
 * Which domains one `worker` process serves and with how many slots each, from
 * `--domain`/`--all` and the per-domain forms of `--concurrency` and `--lanes`:
 *
 *   --concurrency 8            every served domain runs up to 8 jobs at once
 *   --concurrency qr=16        qr runs up to 16; the others keep the default
 *
 * Both forms may be repeated and mixed; a later value for the same target wins.
 */
import { Result } from "effect"
import { isJobDomain } from "../contracts/JobDomain.js"

export interface DomainPlan {
  readonly domain: string
  readonly concurrency: number
  /** Unset: the worker picks (2 lanes from concurrency 8 up, else 1). */
  readonly lanes: number | undefined
}

export interface PlanInput {
  readonly domains: ReadonlyArray<string>
  readonly all: boolean
  readonly concurrency: ReadonlyArray<string>
  readonly lanes: ReadonlyArray<string>
}

export const defaultConcurrency = 4

interface Setting {
  readonly domain: string | undefined
  readonly value: number
}

const settingPattern = /^(?:([^=]+)=)?(\d+)$/

/** `N` or `domain=N` with N a positive integer; a message naming the flag otherwise. */
export const parseSetting = (flag: string, text: string): Result.Result<Setting, string> => {
  const match = settingPattern.exec(text.trim())
  const value = match?.[2] === undefined ? Number.NaN : Number(match[2])
  if (match === null || !Number.isSafeInteger(value) || value < 1) {
    return Result.fail(`--${flag} takes N or domain=N with N a positive integer, got "${text}"`)
  }
  const domain = match[1]
  if (domain !== undefined && !isJobDomain(domain)) return Result.fail(`--${flag} ${text}: "${domain}" is not a domain name`)
  return Result.succeed({ domain, value })
}

const resolve = (
  flag: string,
  texts: ReadonlyArray<string>,
  served: ReadonlyArray<string>
): Result.Result<{ readonly base: number | undefined; readonly byDomain: ReadonlyMap<string, number> }, string> => {
  let base: number | undefined
  const byDomain = new Map<string, number>()
  for (const text of texts) {
    const setting = parseSetting(flag, text)
    if (Result.isFailure(setting)) return Result.fail(setting.failure)
    const { domain, value } = setting.success
    if (domain === undefined) {
      base = value
    } else if (!served.includes(domain)) {
      // A typo here would otherwise silently leave the intended domain at the default.
      return Result.fail(`--${flag} ${text}: this worker does not serve ${domain} (it serves ${served.join(", ")})`)
    } else {
      byDomain.set(domain, value)
    }
  }
  return Result.succeed({ base, byDomain })
}

/** The domains to serve, each with its settings, or the usage problem in one line. */
export const planWorker = (input: PlanInput, registered: ReadonlyArray<string>): Result.Result<ReadonlyArray<DomainPlan>, string> => {
  if (input.all && input.domains.length > 0) return Result.fail("give --domain or --all, not both")
  if (!input.all && input.domains.length === 0) return Result.fail("give --domain (repeatable) or --all")
  const served = input.all ? [...registered] : [...new Set(input.domains)]
  const concurrency = resolve("concurrency", input.concurrency, served)
  if (Result.isFailure(concurrency)) return Result.fail(concurrency.failure)
  const lanes = resolve("lanes", input.lanes, served)
  if (Result.isFailure(lanes)) return Result.fail(lanes.failure)
  return Result.succeed(served.map((domain) => ({
    domain,
    concurrency: concurrency.success.byDomain.get(domain) ?? concurrency.success.base ?? defaultConcurrency,
    lanes: lanes.success.byDomain.get(domain) ?? lanes.success.base
  })))
}
