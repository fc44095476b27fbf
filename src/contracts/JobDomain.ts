import { Schema } from "effect"

/**
 * A domain is any lower-case name a job definition brings (seed 000's `JobDomain` was meant to
 * be extensible): it names the keys `{domain}:*`, the channel `{domain}:events` and the event
 * types `{domain}.job.*.v1`, so it stays short and free of the separators those use.
 */
export const domainPattern = /^[a-z][a-z0-9_]{0,31}$/u

export const JobDomain = Schema.String.check(Schema.isPattern(domainPattern)).annotate({
  identifier: "JobDomain",
  message: "Expected a domain name: a lower-case letter, then up to 31 lower-case letters, digits or _"
})
export type JobDomain = typeof JobDomain.Type

/** True when `value` can name a domain. */
export const isJobDomain = (value: string): boolean => domainPattern.test(value)

/** The domains this repository ships jobs for (seed 000, plus covenant, music_wrapped and catalog). */
export const seedDomains = [
  "turkic",
  "transcript",
  "trainer",
  "digits",
  "databank",
  "qr",
  "covenant",
  "music_wrapped",
  "catalog"
] as const
export type SeedDomain = (typeof seedDomains)[number]

export const ErrorKind = Schema.Literals(["user", "system"])
export type ErrorKind = typeof ErrorKind.Type
