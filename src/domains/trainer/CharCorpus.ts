import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { CorpusEmpty, CorpusUnavailable } from "./TrainingErrors.js"

/** A text as token ids over its own character vocabulary, split into training and validation slices. */
export interface CharCorpus {
  /** Characters in code-point order; a token id is an index into this array. */
  readonly vocabulary: ReadonlyArray<string>
  readonly train: Uint16Array
  readonly validation: Uint16Array
}

/** The opening of Shakespeare's Coriolanus (public domain), ~80 KB, shipped beside this file. */
export const BUNDLED_CORPUS_PATH = fileURLToPath(new URL("./corpus/coriolanus.txt", import.meta.url))

export const loadBundledCorpus: Effect.Effect<string, CorpusUnavailable> = Effect.tryPromise({
  try: () => readFile(BUNDLED_CORPUS_PATH, "utf8"),
  catch: (cause) => new CorpusUnavailable({ path: BUNDLED_CORPUS_PATH, message: `Cannot read corpus: ${String(cause)}` })
})

/**
 * Tokenises `text` by character and holds out its last `validationFraction` as validation. Both
 * slices must contain at least one full window (`contextLength` + 1 characters) or it is `CorpusEmpty`.
 */
export const buildCharCorpus = (
  text: string,
  options: { readonly contextLength: number; readonly validationFraction: number }
): Effect.Effect<CharCorpus, CorpusEmpty> => {
  const characters = Array.from(text)
  const vocabulary = [...new Set(characters)].sort()
  const ids = new Map(vocabulary.map((character, id) => [character, id]))
  const tokens = Uint16Array.from(characters, (character) => ids.get(character) ?? 0)
  const validationLength = Math.floor(tokens.length * options.validationFraction)
  const trainLength = tokens.length - validationLength
  const window = options.contextLength + 1
  if (trainLength < window || validationLength < window || vocabulary.length < 2) {
    return Effect.fail(
      new CorpusEmpty({
        characters: characters.length,
        message: `Corpus of ${characters.length} characters is too small: training and validation each need at least ${window} characters and the text at least 2 distinct characters`
      })
    )
  }
  return Effect.succeed({
    vocabulary,
    train: tokens.subarray(0, trainLength),
    validation: tokens.subarray(trainLength)
  })
}
