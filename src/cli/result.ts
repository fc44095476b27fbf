/**
 * `result --domain D <job-id> [--out FILE]` and `result --id <result-id> [--out FILE]`: copies a
 * stored result's exact bytes to stdout or a file. The store is read as a stream, so a result of
 * any size passes through in 64 KiB chunks; the bytes are hashed on the way and checked against
 * the id (the store is content-addressed), so a damaged object is an error, not silent output.
 */
import { createHash, randomUUID } from "node:crypto"
import { dirname, basename, join } from "node:path"
import { Effect, FileSystem, Option, Schema, type Sink, Stdio, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { JobDomain } from "../contracts/JobDomain.js"
import { ResultStore, validateResultId } from "../runtime/ResultStore.js"
import { jobResultId } from "../runtime/resultStore/jobResult.js"
import { domainFlag } from "./flags.js"

/** A usage mistake or a stored object whose bytes no longer match its id. */
export class ResultCommandError extends Schema.TaggedError<ResultCommandError>()("ResultCommandError", {
  message: Schema.String
}) {}

interface Target {
  readonly domain: Option.Option<JobDomain>
  readonly jobId: Option.Option<string>
  readonly id: Option.Option<string>
}

/** Exactly one way to name the result: a job (with its domain) or a result id. */
const resolveId = ({ domain, jobId, id }: Target) => {
  if (Option.isSome(id)) {
    return Option.isSome(jobId)
      ? Effect.fail(new ResultCommandError({ message: "give either --id <result-id> or --domain D <job-id>, not both" }))
      : validateResultId(id.value)
  }
  if (Option.isNone(jobId)) {
    return Effect.fail(new ResultCommandError({ message: "name the result: --domain D <job-id>, or --id <result-id> (see --help)" }))
  }
  if (Option.isNone(domain)) {
    return Effect.fail(new ResultCommandError({ message: `--domain is required with a job id (result --domain D ${jobId.value})` }))
  }
  return jobResultId(domain.value, jobId.value)
}

/** Streams object `id` into `sink`, failing afterwards when the bytes do not hash to `id`. */
const copyVerified = <E, R>(id: string, sink: Sink.Sink<void, Uint8Array, never, E, R>) =>
  Effect.gen(function*() {
    const store = yield* ResultStore
    const hash = createHash("sha256")
    yield* store.getStream(id).pipe(
      Stream.tap((chunk) => Effect.sync(() => hash.update(chunk))),
      Stream.run(sink)
    )
    const actual = hash.digest("hex")
    if (actual !== id) {
      return yield* new ResultCommandError({ message: `result ${id} is damaged in the store: its bytes hash to ${actual}` })
    }
  })

/**
 * Writes beside the target and renames at the end, so a failed copy never leaves a truncated file
 * under the asked name (the rename is atomic within one directory).
 */
const copyToFile = (id: string, out: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const temp = join(dirname(out), `.${basename(out)}.${randomUUID()}.partial`)
    yield* Effect.acquireUseRelease(
      Effect.succeed(temp),
      (path) => copyVerified(id, fs.sink(path)).pipe(Effect.andThen(fs.rename(path, out))),
      (path, exit) => (exit._tag === "Success" ? Effect.void : fs.remove(path, { force: true }).pipe(Effect.ignore))
    )
  })

export const resultCommand = Command.make("result", {
  domain: domainFlag.pipe(Flag.optional),
  id: Flag.String("id").pipe(Flag.withDescription("Fetch by result id (the sha256 in the completed event) instead of by job"), Flag.optional),
  out: Flag.String("out").pipe(Flag.withDescription("Write to this file instead of stdout"), Flag.optional),
  jobId: Argument.String("job-id").pipe(Argument.withDescription("A completed job's id (with --domain)"), Argument.optional)
}, ({ domain, id, out, jobId }) =>
  Effect.gen(function*() {
    const resultId = yield* resolveId({ domain, jobId, id })
    const store = yield* ResultStore
    // A missing object fails here, before stdout or the file is touched.
    yield* store.stat(resultId)
    if (Option.isSome(out)) return yield* copyToFile(resultId, out.value)
    const stdio = yield* Stdio.Stdio
    yield* copyVerified(resultId, stdio.stdout())
  })).pipe(Command.withDescription("Write a job's stored result (or a result by --id) to stdout or --out FILE, byte for byte"))
