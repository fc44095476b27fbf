/** The log line of a job whose final change the fence refused (cold path: off the success path). */
import { Effect } from "effect"
import type { JobDomain } from "../../contracts/JobDomain.js"
import { jobKey } from "../../contracts/Keys.js"
import type { RedisClient } from "../../redis/RedisClient.js"
import type { RedisError } from "../../redis/RedisError.js"
import type { LeaseLost } from "../JobErrors.js"

/** Says why, at info level (nothing is left to recover here): the record is gone, or another attempt owns it. */
export const logRefusedSettle = (redis: RedisClient["Service"], domain: JobDomain, jobId: string, error: LeaseLost): Effect.Effect<void> =>
  redis.send("EXISTS", jobKey(domain, jobId)).pipe(
    Effect.flatMap((exists) =>
      Effect.logInfo(exists === 0
        ? `job's outcome dropped: its record ${jobKey(domain, jobId)} no longer exists (expired or deleted)`
        : `job's outcome not written: ${error.message}; the attempt that owns it now settles it`)
    ),
    Effect.catch((e: RedisError) => Effect.logInfo(`job's outcome not written: ${error.message} (${e.message})`))
  )
