/**
 * Where `enqueue` takes its payload from: `--payload JSON`, `--payload -` (stdin) or
 * `--payload-file FILE`. A single argument is capped by the OS (128 KiB on Linux), so large
 * payloads need the file or stdin form.
 */
import { Effect, FileSystem, Option, Schema, Stdio, Stream } from "effect"
import { Flag } from "effect/cli"
import { ContractError } from "../contracts/ContractError.js"
import { UsageError } from "./flags.js"

export const payloadFlags = {
  payload: Flag.String("payload").pipe(
    Flag.withMetavar("json|-"),
    Flag.withDescription("The job's payload as JSON, or - to read it from stdin (one of --payload and --payload-file)"),
    Flag.optional
  ),
  payloadFile: Flag.String("payload-file").pipe(
    Flag.withMetavar("file"),
    Flag.withDescription("Read the job's payload as JSON from this file (for payloads too large for an argument)"),
    Flag.optional
  )
}

interface PayloadSource {
  /** How errors name the source: `--payload`, `stdin (--payload -)`, `--payload-file F`. */
  readonly label: string
  readonly text: Effect.Effect<string, ContractError, FileSystem.FileSystem | Stdio.Stdio>
}

const unreadable = (label: string) => (error: { readonly message: string }) =>
  new ContractError({ contract: "payload", message: `cannot read ${label}: ${error.message}` })

const fromStdin: PayloadSource = {
  label: "stdin (--payload -)",
  text: Effect.gen(function*() {
    const stdio = yield* Stdio.Stdio
    return yield* stdio.stdin.pipe(Stream.decodeText, Stream.mkString)
  }).pipe(Effect.mapError(unreadable("stdin")))
}

const fromFile = (path: string): PayloadSource => ({
  label: `--payload-file ${path}`,
  text: Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    return yield* fs.readFileString(path)
  }).pipe(Effect.mapError(unreadable(path)))
})

const choose = (payload: Option.Option<string>, payloadFile: Option.Option<string>): Effect.Effect<PayloadSource, UsageError> => {
  if (Option.isSome(payload) && Option.isSome(payloadFile)) {
    return Effect.fail(new UsageError({ command: "enqueue", message: "give --payload or --payload-file, not both" }))
  }
  if (Option.isSome(payloadFile)) return Effect.succeed(fromFile(payloadFile.value))
  if (Option.isSome(payload)) {
    const text = payload.value
    return Effect.succeed(text === "-" ? fromStdin : { label: "--payload", text: Effect.succeed(text) })
  }
  return Effect.fail(new UsageError({
    command: "enqueue",
    message: "missing payload: give --payload JSON, --payload - (stdin) or --payload-file FILE"
  }))
}

const decodeJson = Schema.decodeUnknownEffect(Schema.fromJsonString(Schema.Unknown))

/** The payload as parsed JSON, from whichever source the flags name. */
export const readPayload = (flags: { readonly payload: Option.Option<string>; readonly payloadFile: Option.Option<string> }) =>
  Effect.gen(function*() {
    const source = yield* choose(flags.payload, flags.payloadFile)
    const text = yield* source.text
    return yield* decodeJson(text).pipe(
      Effect.mapError(() => new ContractError({ contract: "payload", message: `${source.label} is not valid JSON: ${text.slice(0, 80)}` }))
    )
  })
