import { Effect } from "effect"
import { MusicWrappedError } from "./MusicWrappedError.js"

/** One stream of the export, reduced to the fields the summary reads. Music has a track; podcasts an episode. */
export interface Stream {
  readonly endedAtMs: number
  readonly msPlayed: number
  readonly track: string | null
  readonly artist: string | null
  readonly album: string | null
  readonly trackUri: string | null
  readonly episode: string | null
  readonly show: string | null
  readonly skipped: boolean
}

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/

const shapeError = (index: number, field: string | null, detail: string) =>
  new MusicWrappedError({
    reason: "InvalidShape",
    message: field === null ? `entry ${index}: ${detail}` : `entry ${index}, field ${field}: ${detail}`,
    index,
    ...(field === null ? {} : { field })
  })

const describe = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "string" ? `"${value}"` : typeof value)

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const readStream = (value: unknown, index: number): Stream | MusicWrappedError => {
  if (!isRecord(value)) return shapeError(index, null, `expected an object, found ${describe(value)}`)
  const ts = value["ts"]
  if (typeof ts !== "string" || !isoTimestamp.test(ts) || Number.isNaN(Date.parse(ts))) {
    return shapeError(index, "ts", `expected an ISO timestamp such as 2024-01-31T18:22:11Z, found ${describe(ts)}`)
  }
  const ms = value["ms_played"]
  if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 0) {
    return shapeError(index, "ms_played", `expected a non-negative integer, found ${describe(ms)}`)
  }
  const text: Record<string, string | null> = {}
  for (const field of [
    "master_metadata_track_name", "master_metadata_album_artist_name", "master_metadata_album_album_name",
    "spotify_track_uri", "episode_name", "episode_show_name"
  ]) {
    const v = value[field]
    if (v !== undefined && v !== null && typeof v !== "string") return shapeError(index, field, `expected a string or null, found ${describe(v)}`)
    text[field] = typeof v === "string" && v !== "" ? v : null
  }
  const skipped = value["skipped"]
  if (skipped !== undefined && skipped !== null && typeof skipped !== "boolean") {
    return shapeError(index, "skipped", `expected true, false or null, found ${describe(skipped)}`)
  }
  return {
    endedAtMs: Date.parse(ts),
    msPlayed: ms,
    track: text["master_metadata_track_name"] ?? null,
    artist: text["master_metadata_album_artist_name"] ?? null,
    album: text["master_metadata_album_album_name"] ?? null,
    trackUri: text["spotify_track_uri"] ?? null,
    episode: text["episode_name"] ?? null,
    show: text["episode_show_name"] ?? null,
    skipped: skipped === true
  }
}

/** Parses the export text: a JSON array whose entries carry `ts` and `ms_played`; names the first bad entry. */
export const parseStreams = (text: string): Effect.Effect<Array<Stream>, MusicWrappedError> =>
  Effect.gen(function*() {
    const json: unknown = yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (cause) =>
        new MusicWrappedError({ reason: "InvalidJson", message: `invalid JSON: ${cause instanceof Error ? cause.message : String(cause)}` })
    })
    if (!Array.isArray(json)) {
      return yield* new MusicWrappedError({ reason: "InvalidShape", message: `expected a JSON array of streams, found ${describe(json)}` })
    }
    const streams: Array<Stream> = []
    for (let i = 0; i < json.length; i++) {
      const stream = readStream(json[i], i)
      if (stream instanceof MusicWrappedError) return yield* stream
      streams.push(stream)
    }
    return streams
  })
