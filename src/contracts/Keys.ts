/** Redis key names (seed 000, Appendix B and C). Everything a domain owns starts with `{domain}:`. */
import type { JobDomain } from "./JobDomain.js"

/** `{domain}:job:{job_id}`: the job's status hash. */
export const jobKey = (domain: JobDomain | string, jobId: string): string => `${domain}:job:${jobId}`

/** Prefix of every job hash of a domain; scripts append the job id. */
export const jobKeyPrefix = (domain: JobDomain | string): string => `${domain}:job:`

/** The queue's own keys, all under the domain. */
export const queueKeys = (domain: JobDomain | string) => ({
  /** List of job ids ready to run (LPUSH to add, RPOP to claim: FIFO). */
  wait: `${domain}:queue:wait`,
  /** Sorted set: claimed job id -> lease deadline (ms). */
  active: `${domain}:queue:active`,
  /** Sorted set: job id -> time it becomes ready (ms), for delays and retry backoff. */
  delayed: `${domain}:queue:delayed`,
  /** Sorted set: job id -> time it ran out of attempts (ms). */
  dead: `${domain}:queue:dead`,
  /** List of raw entries that could not be read (garbage ids, unreadable records), kept for inspection. */
  invalid: `${domain}:queue:invalid`,
  /** Sorted set: worker id -> heartbeat deadline (ms). */
  workers: `${domain}:workers`,
  /** Pub/sub channel for control messages such as cancellation. */
  control: `${domain}:control`
})

/** Capped stream that keeps recent events, so a subscriber that was away can replay them. */
export const eventsLogKey = (domain: JobDomain | string): string => `${domain}:events:log`
