import { Schema } from "effect"

/** Every domain that runs on the shared runtime (seed 000, plus covenant, music_wrapped and catalog). */
export const jobDomains = [
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

export const JobDomain = Schema.Literals(jobDomains).annotate({
  identifier: "JobDomain",
  message: `Expected a known domain: one of ${jobDomains.join(", ")}`
})
export type JobDomain = typeof JobDomain.Type

export const ErrorKind = Schema.Literals(["user", "system"])
export type ErrorKind = typeof ErrorKind.Type
