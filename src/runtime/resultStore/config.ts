/** Configuration of the filesystem result store, read from the environment. */
import { Config, Schema } from "effect"

export const defaultResultStoreDir = "./.artifacts/results"
export const defaultResultStoreMaxBytes = 256 * 1024 * 1024

const ByteLimit = Schema.NumberFromString.check(
  Schema.isInt({ message: "Expected a whole number of bytes" }),
  Schema.isGreaterThan(0, { message: "Expected a byte limit greater than 0" })
)

const Directory = Schema.String.check(Schema.isNonEmpty({ message: "Expected a directory path" }))

/** `RESULT_STORE_DIR` (default `./.artifacts/results`), `RESULT_STORE_MAX_BYTES` (default 256 MiB). */
export const ResultStoreConfig = Config.all({
  root: Config.schema(Directory, "RESULT_STORE_DIR").pipe(Config.withDefault(defaultResultStoreDir)),
  maxBytes: Config.schema(ByteLimit, "RESULT_STORE_MAX_BYTES").pipe(Config.withDefault(defaultResultStoreMaxBytes))
})
