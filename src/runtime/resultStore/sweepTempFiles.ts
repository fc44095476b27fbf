/**
 * Removes temp files a crashed process left behind (a killed process runs no finalizers).
 * Only files older than the age limit go, so writes in progress in other processes sharing the
 * directory are left alone.
 */
import { readdir, rm, stat } from "node:fs/promises"
import { join } from "node:path"
import { Effect } from "effect"
import { ResultStoreError } from "./errors.js"

export const staleTempFileAgeMs = 24 * 60 * 60 * 1000

/** Returns the number of files removed. */
export const sweepStaleTempFiles = (
  dir: string,
  now: number = Date.now(),
  maxAgeMs: number = staleTempFileAgeMs
): Effect.Effect<number, ResultStoreError> =>
  Effect.tryPromise({
    try: async () => {
      let removed = 0
      for (const name of await readdir(dir)) {
        if (!name.endsWith(".part")) continue
        const path = join(dir, name)
        const info = await stat(path).catch(() => undefined)
        if (info !== undefined && now - info.mtimeMs > maxAgeMs) {
          await rm(path, { force: true })
          removed++
        }
      }
      return removed
    },
    catch: (cause) => ResultStoreError.of("sweep", dir, cause)
  })
