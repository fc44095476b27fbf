/** Flags shared by several commands. */
import { Flag } from "effect/cli"
import { jobDomains } from "../contracts/JobDomain.js"

export const domainFlag = Flag.Literals("domain", jobDomains).pipe(
  Flag.withDescription("Job domain, e.g. qr, digits, turkic")
)
