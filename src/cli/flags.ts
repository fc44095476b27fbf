/** Flags shared by several commands. */
import { Schema } from "effect"
import { Flag } from "effect/cli"
import { isJobDomain } from "../contracts/JobDomain.js"

/**
 * Domains are open (a job definition brings its own name), so the flag takes any valid name and
 * leaves "is there a job for it?" to the registry, whose error lists the registered domains.
 */
const domainName = (flag: Flag.Flag<string>): Flag.Flag<string> =>
  flag.pipe(
    Flag.withMetavar("name"),
    // effect/cli prints this after `Invalid value for flag --domain: "X". Expected: `.
    Flag.filter(isJobDomain, () => "a domain name: a lower-case letter, then up to 31 lower-case letters, digits or _")
  )

export const domainFlag = domainName(Flag.String("domain")).pipe(
  Flag.withDescription("Job domain, e.g. qr, digits, turkic")
)

/** `--domain` given any number of times (none is allowed; the command decides what that means). */
export const repeatedDomainFlag = (description: string): Flag.Flag<ReadonlyArray<string>> =>
  domainName(Flag.String("domain")).pipe(Flag.atLeast(0), Flag.withDescription(description))

/** `--allowed-host NAME`, repeatable: a Host the HTTP server answers besides loopback (src/http/HttpSecurity.ts). */
export const allowedHostFlag: Flag.Flag<ReadonlyArray<string>> = Flag.String("allowed-host").pipe(
  Flag.atLeast(0),
  Flag.withDescription("Host name the HTTP server answers besides localhost/127.0.0.1/[::1] (repeatable; also JOBS_HTTP_ALLOWED_HOSTS=a,b) (default: loopback only)")
)

/**
 * `withDefault` that also prints the default in `--help`: effect/cli's help shows only the
 * description, so an operator would otherwise not see what an omitted flag means.
 */
export const withShownDefault = <A, const B extends string | number | boolean>(
  description: string,
  value: B
) =>
(self: Flag.Flag<A>): Flag.Flag<A | B> =>
  self.pipe(Flag.withDescription(`${description} (default: ${String(value)})`), Flag.withDefault(value))

/**
 * A command line that parsed but cannot run as given (flags that exclude each other, a setting for
 * a domain not served): main.ts reports it like a parse error, one line and a pointer to --help.
 */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  command: Schema.String,
  message: Schema.String
}) {}
