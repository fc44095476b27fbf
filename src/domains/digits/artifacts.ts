/**
 * The digits artifact directory: `<root>/<model_id>/<run_id>/{model.bin,manifest.json}`.
 * A run's files are written into a hidden temp directory beside it and renamed into place in one
 * step, so a reader (or prune) never sees a run directory with half its files; a write that fails
 * or is interrupted removes its temp directory. Run ids sort by creation time, which is what
 * pruning keeps the newest by.
 */
import { randomBytes } from "node:crypto"
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Config, Effect, Schema } from "effect"
import type { DigitsArtifact } from "./DigitsModelCodec.js"

export const MODEL_FILE = "model.bin"
export const MANIFEST_FILE = "manifest.json"

/** The artifact directory could not be written, listed or pruned. */
export class ArtifactIoError extends Schema.TaggedError<ArtifactIoError>()("ArtifactIoError", {
  op: Schema.String,
  path: Schema.String,
  message: Schema.String
}) {}

export interface DigitsArtifactSettings {
  /** `DIGITS_ARTIFACT_DIR`, default `./.artifacts/digits`. */
  readonly root: string
  /** `DIGITS_KEEP_RUNS`: runs kept per model after a new one is written, default 3. */
  readonly keepRuns: number
}

export const digitsArtifactConfig: Config.Config<DigitsArtifactSettings> = Config.all({
  root: Config.schema(
    Schema.String.check(Schema.isNonEmpty({ message: "DIGITS_ARTIFACT_DIR must be a directory path" })),
    "DIGITS_ARTIFACT_DIR"
  ).pipe(Config.withDefault("./.artifacts/digits")),
  keepRuns: Config.schema(
    Schema.Int.check(Schema.isGreaterThan(0, { message: "DIGITS_KEEP_RUNS must be a whole number > 0" })),
    "DIGITS_KEEP_RUNS"
  ).pipe(Config.withDefault(3))
})

const io = <A>(op: string, path: string, run: () => Promise<A>) =>
  Effect.tryPromise({
    try: run,
    catch: (cause) =>
      new ArtifactIoError({ op, path, message: `digits artifacts: ${op} ${path} failed: ${cause instanceof Error ? cause.message : String(cause)}` })
  })

/** A new run id: UTC time to the millisecond (so ids sort by age) and a random suffix. */
export const newRunId = (nowMs: number): string =>
  `${new Date(nowMs).toISOString().replace(/[-:.]/g, "").replace("T", "-")}-${randomBytes(3).toString("hex")}`

export const runDirectory = (root: string, modelId: string, runId: string): string => join(root, modelId, runId)

/** Writes the run's model and manifest; returns the run directory once both are in place. */
export const writeRunArtifacts = (
  root: string,
  modelId: string,
  runId: string,
  artifact: DigitsArtifact
): Effect.Effect<string, ArtifactIoError> => {
  const modelDir = join(root, modelId)
  const target = runDirectory(root, modelId, runId)
  const temp = join(modelDir, `.tmp-${runId}-${randomBytes(4).toString("hex")}`)
  return Effect.acquireUseRelease(
    io("mkdir", temp, () => mkdir(temp, { recursive: true })),
    () =>
      Effect.gen(function*() {
        yield* io("write", join(temp, MODEL_FILE), () => writeFile(join(temp, MODEL_FILE), artifact.modelBytes))
        yield* io("write", join(temp, MANIFEST_FILE), () => writeFile(join(temp, MANIFEST_FILE), artifact.manifestJson))
        // rename(2) of a directory is atomic; once it returns the temp path no longer exists.
        yield* io("rename", target, () => rename(temp, target)).pipe(Effect.uninterruptible)
        return target
      }),
    () => io("remove", temp, () => rm(temp, { recursive: true, force: true })).pipe(Effect.ignore)
  )
}

/** Run directories of a model, newest first (temp directories are not runs). */
export const listRuns = (root: string, modelId: string): Effect.Effect<ReadonlyArray<string>, ArtifactIoError> => {
  const modelDir = join(root, modelId)
  return io("list", modelDir, () => readdir(modelDir, { withFileTypes: true })).pipe(
    Effect.map((entries) =>
      entries.filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))
    )
  )
}

/** Deletes all but the `keep` newest runs of a model; returns how many were deleted. */
export const pruneRuns = (root: string, modelId: string, keep: number): Effect.Effect<number, ArtifactIoError> =>
  Effect.gen(function*() {
    const old = (yield* listRuns(root, modelId)).slice(keep)
    yield* Effect.forEach(old, (runId) => {
      const path = runDirectory(root, modelId, runId)
      return io("remove", path, () => rm(path, { recursive: true, force: true }))
    }, { discard: true })
    return old.length
  })
