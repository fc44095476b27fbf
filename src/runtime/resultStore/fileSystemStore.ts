/**
 * Result store on the local filesystem. Objects live at `root/ab/cd/<id>`; writes go to a temp file
 * under `root/.tmp` (same filesystem, so the final rename is atomic) while the bytes are hashed,
 * then are fsynced and renamed into place. Readers never see a partial object, and never see
 * anything but the object: every read goes through verifiedRead.ts (no links, bytes hash to the id).
 */
import { createHash } from "node:crypto"
import { mkdir, open, rename, rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { Effect, Option, Stream } from "effect"
import { ResultStoreError, ResultTooLarge } from "./errors.js"
import { shardPath, validateResultId } from "./ResultId.js"
import { effectiveLimit, type ResultStoreApi } from "./ResultStoreApi.js"
import { openTempFile } from "./tempFile.js"
import { sweepStaleTempFiles } from "./sweepTempFiles.js"
import { makeVerifiedReader } from "./verifiedRead.js"

export interface FileSystemStoreOptions {
  readonly root: string
  readonly maxBytes: number
}

const readChunkBytes = 64 * 1024

const asUint8Array = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length)

/** Runs a filesystem call on object `id`'s open file. */
const attempt = <A>(op: string, path: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => ResultStoreError.of(op, path, cause) })

/** fsync a directory so a rename inside it survives a crash. */
const syncDirectory = async (path: string): Promise<void> => {
  const handle = await open(path, "r")
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export const makeFileSystemStore = (
  options: FileSystemStoreOptions
): Effect.Effect<ResultStoreApi, ResultStoreError> =>
  Effect.gen(function*() {
    const { root, maxBytes } = options
    const tempDir = join(root, ".tmp")
    yield* Effect.tryPromise({
      try: () => mkdir(tempDir, { recursive: true }),
      catch: (cause) => ResultStoreError.of("init", tempDir, cause)
    })
    yield* sweepStaleTempFiles(tempDir)

    const objectPath = (id: string) => join(root, ...shardPath(id))
    const reader = makeVerifiedReader(root)

    const commit = (tempPath: string, id: string) =>
      reader.clearDirectories(id).pipe(Effect.andThen(Effect.tryPromise({
        try: async () => {
          const target = objectPath(id)
          await mkdir(dirname(target), { recursive: true })
          await rename(tempPath, target)
          await syncDirectory(dirname(target))
        },
        catch: (cause) => ResultStoreError.of("putStream.commit", objectPath(id), cause)
      })))

    const putStream: ResultStoreApi["putStream"] = (stream, putOptions) => {
      const limit = effectiveLimit(maxBytes, putOptions)
      return Effect.acquireUseRelease(
        openTempFile(tempDir),
        (temp) =>
          Effect.gen(function*() {
            const hash = createHash("sha256")
            let total = 0
            yield* Stream.runForEach(stream, (chunk): Effect.Effect<void, ResultTooLarge | ResultStoreError> => {
              total += chunk.length
              if (total > limit) return Effect.fail(ResultTooLarge.of(limit, total))
              hash.update(chunk)
              return temp.write(chunk)
            })
            yield* temp.finish
            const id = hash.digest("hex")
            // Once the rename has started, let it finish so an interruption cannot race it.
            yield* Effect.uninterruptible(commit(temp.path, id))
            return { id, bytes: total }
          }),
        // After a successful commit the temp path is gone; otherwise it is removed here.
        (temp, exit) => (exit._tag === "Success" ? Effect.void : temp.discard)
      )
    }

    const openVerified = (id: string) =>
      validateResultId(id).pipe(Effect.andThen(reader.openVerified(id, objectPath(id))))

    const api: ResultStoreApi = {
      maxBytes,
      put: (bytes, putOptions) => putStream(Stream.succeed(bytes), putOptions),
      putStream,
      get: (id) =>
        Effect.scoped(openVerified(id).pipe(
          Effect.flatMap(({ handle }) => attempt("get", objectPath(id), () => handle.readFile())),
          Effect.map(asUint8Array)
        )),
      getStream: (id) =>
        Stream.unwrap(
          Effect.gen(function*() {
            const { handle } = yield* openVerified(id)
            return Stream.paginate(0, (position: number) =>
              attempt("getStream.read", objectPath(id), async () => {
                const buffer = Buffer.allocUnsafe(readChunkBytes)
                const { bytesRead } = await handle.read(buffer, 0, readChunkBytes, position)
                return bytesRead === 0
                  ? [[], Option.none<number>()] as const
                  : [[asUint8Array(buffer.subarray(0, bytesRead))], Option.some(position + bytesRead)] as const
              }))
          })
        ),
      stat: (id) => Effect.scoped(Effect.map(openVerified(id), ({ bytes }) => ({ id, bytes }))),
      // A refused entry is not held: it has just been quarantined.
      has: (id) =>
        Effect.scoped(openVerified(id)).pipe(
          Effect.as(true),
          Effect.catchTags({ ResultNotFound: () => Effect.succeed(false), ResultCorrupt: () => Effect.succeed(false) })
        ),
      delete: (id) =>
        validateResultId(id).pipe(
          // A shard directory that is a link is moved aside first, so rm never deletes outside the store.
          Effect.andThen(reader.clearDirectories(id)),
          Effect.flatMap(() =>
            Effect.tryPromise({
              try: () => rm(objectPath(id), { force: true }),
              catch: (cause) => ResultStoreError.of("delete", objectPath(id), cause)
            })
          )
        )
    }
    return api
  })
