import { Effect } from "effect"
import { makeLocalTime } from "./localTime.js"
import { MusicWrappedError } from "./MusicWrappedError.js"
import { DEFAULT_TIMEZONE, DEFAULT_TOP, MAX_HISTORY_BYTES, type MusicWrappedPayload } from "./Payload.js"
import { parseStreams, type Stream } from "./streams.js"

/** Reports streams done out of the total; the job passes its progress reporter here. */
export type OnProgress<E = never, R = never> = (done: number, total: number) => Effect.Effect<void, E, R>

/** A music stream counts as a play from 30 seconds on, as Spotify counts streams; minutes count every stream. */
export const PLAY_THRESHOLD_MS = 30_000

export interface Ranked {
  readonly name: string
  readonly artist: string | null
  readonly msPlayed: number
  readonly minutes: number
  readonly plays: number
}

export interface Streak {
  readonly days: number
  readonly start: string | null
  readonly end: string | null
}

export interface Wrapped {
  readonly year: number
  readonly timezone: string
  readonly streams: number
  readonly totalMinutes: number
  readonly musicMinutes: number
  readonly podcastMinutes: number
  readonly plays: number
  readonly skipped: number
  readonly listeningDays: number
  readonly longestStreak: Streak
  readonly topArtists: ReadonlyArray<Ranked>
  readonly topTracks: ReadonlyArray<Ranked>
  readonly topAlbums: ReadonlyArray<Ranked>
  /** Minutes per local hour of day, index 0 = 00:00-00:59; a stream counts in the hour it ended. */
  readonly minutesByHour: ReadonlyArray<number>
  /** Minutes per local month, index 0 = January. */
  readonly minutesByMonth: ReadonlyArray<number>
  readonly distinct: { readonly artists: number; readonly tracks: number; readonly albums: number; readonly shows: number; readonly episodes: number }
}

interface Tally {
  name: string
  artist: string | null
  msPlayed: number
  plays: number
}

const minutes = (ms: number) => Math.round(ms / 600) / 100

const addTo = (map: Map<string, Tally>, key: string, name: string, artist: string | null, stream: Stream) => {
  const tally = map.get(key) ?? { name, artist, msPlayed: 0, plays: 0 }
  tally.msPlayed += stream.msPlayed
  if (stream.msPlayed >= PLAY_THRESHOLD_MS) tally.plays++
  map.set(key, tally)
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

// Most listened first; ties by plays, then by name and artist so that the order never depends on input order.
const rank = (map: ReadonlyMap<string, Tally>, top: number): Array<Ranked> =>
  [...map.values()]
    .sort((a, b) =>
      b.msPlayed - a.msPlayed || b.plays - a.plays || compareText(a.name, b.name) || compareText(a.artist ?? "", b.artist ?? ""))
    .slice(0, top)
    .map((t) => ({ name: t.name, artist: t.artist, msPlayed: t.msPlayed, minutes: minutes(t.msPlayed), plays: t.plays }))

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000

/** Longest run of consecutive calendar days, earliest run first on ties. */
export const longestStreak = (dates: ReadonlySet<string>): Streak => {
  const sorted = [...dates].sort()
  let best: Streak = { days: 0, start: null, end: null }
  let runStart = 0
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && dayNumber(sorted[i] ?? "") - dayNumber(sorted[i - 1] ?? "") !== 1) runStart = i
    const days = i - runStart + 1
    if (days > best.days) best = { days, start: sorted[runStart] ?? null, end: sorted[i] ?? null }
  }
  return best
}

/** Summarises one local calendar year of a Spotify extended streaming history. */
export const musicWrapped = <E = never, R = never>(
  payload: MusicWrappedPayload,
  onProgress?: OnProgress<E, R>
): Effect.Effect<Wrapped, MusicWrappedError | E, R> =>
  Effect.gen(function*() {
    const bytes = new TextEncoder().encode(payload.history).length
    if (bytes > MAX_HISTORY_BYTES) {
      return yield* new MusicWrappedError({ reason: "OversizeInput", message: `history is ${bytes} bytes, the limit is ${MAX_HISTORY_BYTES} bytes` })
    }
    const all = yield* parseStreams(payload.history)
    const timezone = payload.timezone ?? DEFAULT_TIMEZONE
    const top = payload.top ?? DEFAULT_TOP
    const localTime = makeLocalTime(timezone)
    const artists = new Map<string, Tally>()
    const tracks = new Map<string, Tally>()
    const albums = new Map<string, Tally>()
    const shows = new Set<string>()
    const episodes = new Set<string>()
    const days = new Set<string>()
    const byHour = Array.from({ length: 24 }, () => 0)
    const byMonth = Array.from({ length: 12 }, () => 0)
    let streams = 0, totalMs = 0, musicMs = 0, podcastMs = 0, plays = 0, skipped = 0
    const step = Math.max(1, Math.ceil(all.length / 100))
    for (let i = 0; i < all.length; i++) {
      const stream = all[i]
      const local = stream === undefined ? undefined : localTime(stream.endedAtMs)
      if (stream !== undefined && local !== undefined && local.year === payload.year) {
        streams++
        totalMs += stream.msPlayed
        if (stream.skipped) skipped++
        byHour[local.hour] = (byHour[local.hour] ?? 0) + stream.msPlayed
        byMonth[local.month - 1] = (byMonth[local.month - 1] ?? 0) + stream.msPlayed
        if (stream.msPlayed > 0) days.add(local.date)
        if (stream.track !== null) {
          musicMs += stream.msPlayed
          if (stream.msPlayed >= PLAY_THRESHOLD_MS) plays++
          const artist = stream.artist ?? "Unknown artist"
          addTo(artists, artist, artist, null, stream)
          addTo(tracks, stream.trackUri ?? `${artist}\u0000${stream.track}`, stream.track, artist, stream)
          if (stream.album !== null) addTo(albums, `${artist}\u0000${stream.album}`, stream.album, artist, stream)
        } else if (stream.episode !== null) {
          podcastMs += stream.msPlayed
          episodes.add(`${stream.show ?? ""}\u0000${stream.episode}`)
          if (stream.show !== null) shows.add(stream.show)
        }
      }
      if (onProgress !== undefined && ((i + 1) % step === 0 || i + 1 === all.length)) yield* onProgress(i + 1, all.length)
    }
    return {
      year: payload.year,
      timezone,
      streams,
      totalMinutes: minutes(totalMs),
      musicMinutes: minutes(musicMs),
      podcastMinutes: minutes(podcastMs),
      plays,
      skipped,
      listeningDays: days.size,
      longestStreak: longestStreak(days),
      topArtists: rank(artists, top),
      topTracks: rank(tracks, top),
      topAlbums: rank(albums, top),
      minutesByHour: byHour.map(minutes),
      minutesByMonth: byMonth.map(minutes),
      distinct: { artists: artists.size, tracks: tracks.size, albums: albums.size, shows: shows.size, episodes: episodes.size }
    }
  })

export const wrappedJsonBytes = (wrapped: Wrapped): Uint8Array => new TextEncoder().encode(JSON.stringify(wrapped))
