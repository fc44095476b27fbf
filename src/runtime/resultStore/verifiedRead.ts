/**
 * Reading the filesystem store without trusting what sits under an id. The store is
 * content-addressed, so an object is only handed out when it is a regular file inside the store
 * (no link at the file or at its shard directories: `O_NOFOLLOW` and `lstat`) whose bytes hash to
 * its id. Anything else (a planted symlink to /etc/passwd, a FIFO, bytes changed on disk) is moved
 * to `root/quarantine/` and refused with `ResultCorrupt`, before a single byte reaches a caller.
 *
 * Hashing a large object on every read would double its cost, so a successful check is remembered
 * per file identity (device, inode, size, mtime and ctime in nanoseconds): any write, rename or
 * replacement of the file changes one of them, and the next read hashes again.
 */
import { createHash, randomUUID } from "node:crypto"
import { constants } from "node:fs"
import { type FileHandle, lstat, mkdir, open, rename } from "node:fs/promises"
import { join } from "node:path"
import { Effect, type Scope } from "effect"
import { ResultCorrupt, ResultNotFound, ResultStoreError } from "./errors.js"
import { shardPath } from "./ResultId.js"

export interface VerifiedFile {
  readonly handle: FileHandle
  readonly bytes: number
}

export type ReadError = ResultNotFound | ResultCorrupt | ResultStoreError

const hashChunkBytes = 64 * 1024
const rememberedChecks = 10_000
// O_NONBLOCK: opening a FIFO planted under an id must not wait for a writer.
const readFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

const codeOf = (cause: unknown): string | undefined =>
  cause instanceof Error && "code" in cause && typeof cause.code === "string" ? cause.code : undefined

const sha256Of = async (handle: FileHandle): Promise<string> => {
  const hash = createHash("sha256")
  const buffer = Buffer.allocUnsafe(hashChunkBytes)
  for (let position = 0; ;) {
    const { bytesRead } = await handle.read(buffer, 0, hashChunkBytes, position)
    if (bytesRead === 0) return hash.digest("hex")
    hash.update(buffer.subarray(0, bytesRead))
    position += bytesRead
  }
}

export const makeVerifiedReader = (root: string) => {
  const quarantineDir = join(root, "quarantine")
  const verified = new Set<string>()

  /** Moves `path` (the link itself, never its target) aside; "" when it could not be moved. */
  const quarantine = (path: string, id: string, reason: ResultCorrupt["reason"], detail: string) =>
    Effect.gen(function*() {
      const target = join(quarantineDir, `${id}.${reason}.${Date.now()}.${randomUUID().slice(0, 8)}`)
      const moved = yield* Effect.tryPromise(async () => {
        await mkdir(quarantineDir, { recursive: true })
        await rename(path, target)
        return target
      }).pipe(Effect.orElseSucceed(() => ""))
      yield* Effect.logWarning(`result store: refused ${id} (${detail}); ${moved === "" ? `could not move ${path} aside` : `quarantined ${path} to ${moved}`}`)
      return ResultCorrupt.of(id, reason, detail, moved)
    })

  /**
   * The shard directories of `id` are real directories, not links out of the store. A missing one
   * is `ResultNotFound`; a link or a file there is quarantined.
   */
  const checkDirectories = (id: string): Effect.Effect<void, ReadError> =>
    Effect.gen(function*() {
      const [first = "", second = ""] = shardPath(id)
      for (const dir of [join(root, first), join(root, first, second)]) {
        const info = yield* Effect.tryPromise({
          try: () => lstat(dir),
          catch: (cause) => (codeOf(cause) === "ENOENT" ? ResultNotFound.of(id) : ResultStoreError.of("read.lstat", dir, cause))
        })
        if (info.isSymbolicLink()) return yield* Effect.flip(quarantine(dir, id, "link", `its directory ${dir} is a symbolic link`))
        if (!info.isDirectory()) return yield* Effect.flip(quarantine(dir, id, "not-a-file", `${dir} is not a directory`))
      }
    })

  /** Opens `path` as object `id`, checked as described above; the handle closes with the scope. */
  const openVerified = (id: string, path: string): Effect.Effect<VerifiedFile, ReadError, Scope.Scope> =>
    Effect.gen(function*() {
      yield* checkDirectories(id)
      const opened = yield* Effect.result(Effect.tryPromise({ try: () => open(path, readFlags), catch: (cause) => cause }))
      if (opened._tag === "Failure") {
        const code = codeOf(opened.failure)
        if (code === "ENOENT") return yield* ResultNotFound.of(id)
        // ELOOP: the last component is a symbolic link, which O_NOFOLLOW refuses to open.
        if (code === "ELOOP") return yield* Effect.flip(quarantine(path, id, "link", "it is a symbolic link"))
        return yield* ResultStoreError.of("read.open", path, opened.failure)
      }
      const handle = opened.success
      yield* Effect.addFinalizer(() => Effect.promise(() => handle.close().catch(() => undefined)))
      const info = yield* Effect.tryPromise({ try: () => handle.stat({ bigint: true }), catch: (cause) => ResultStoreError.of("read.stat", path, cause) })
      if (!info.isFile()) return yield* Effect.flip(quarantine(path, id, "not-a-file", "it is not a regular file"))
      const identity = `${id}:${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`
      if (!verified.has(identity)) {
        const actual = yield* Effect.tryPromise({ try: () => sha256Of(handle), catch: (cause) => ResultStoreError.of("read.verify", path, cause) })
        if (actual !== id) return yield* Effect.flip(quarantine(path, id, "hash-mismatch", `its bytes hash to ${actual}`))
        if (verified.size >= rememberedChecks) verified.clear()
        verified.add(identity)
      }
      const file: VerifiedFile = { handle, bytes: Number(info.size) }
      return file
    })

  /** Before a write: a link or file planted as a shard directory is moved aside, so writes stay in the store. */
  const clearDirectories = (id: string): Effect.Effect<void, ResultStoreError> =>
    checkDirectories(id).pipe(
      Effect.catchTags({ ResultNotFound: () => Effect.void, ResultCorrupt: () => Effect.void })
    )

  return { openVerified, clearDirectories }
}
