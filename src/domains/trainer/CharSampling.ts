import type { CharLanguageModel } from "./CharLanguageModel.js"
import { Rng } from "./numerics/Rng.js"

/**
 * Continues `prompt` by `length` characters drawn from the model's next-character distribution
 * (seeded, so the same seed gives the same text). Prompt characters outside the vocabulary, and a
 * prompt shorter than the context, are padded with the first vocabulary entry.
 */
export const sampleText = (
  model: CharLanguageModel,
  vocabulary: ReadonlyArray<string>,
  options: { readonly prompt: string; readonly length: number; readonly seed: number }
): string => {
  const ids = new Map(vocabulary.map((character, id) => [character, id]))
  const context = Array.from(options.prompt, (character) => ids.get(character) ?? 0)
  while (context.length < model.contextLength) context.unshift(0)
  const rng = new Rng(options.seed)
  let out = ""
  for (let n = 0; n < options.length; n++) {
    const probabilities = model.probabilities(context.slice(-model.contextLength))
    let u = rng.next()
    let next = probabilities.length - 1
    for (let k = 0; k < probabilities.length; k++) {
      u -= probabilities[k] ?? 0
      if (u < 0) {
        next = k
        break
      }
    }
    context.push(next)
    out += vocabulary[next] ?? ""
  }
  return out
}
