import type { Parameter } from "./numerics/Adam.js"

/**
 * A next-character model. A window ending at position `t` predicts `tokens[t]` from the
 * `contextLength` tokens before it, so valid positions are `contextLength <= t < tokens.length`.
 */
export interface CharLanguageModel {
  readonly contextLength: number
  readonly vocabSize: number
  readonly parameters: ReadonlyArray<Parameter>
  /** Adds the gradients of the summed cross-entropy over `positions` into each `grad`; returns that sum. */
  accumulate(tokens: Uint16Array, positions: Int32Array): number
  /** Cross-entropy (nats) of predicting `tokens[t]`, without touching gradients. */
  lossAt(tokens: Uint16Array, t: number): number
  /** Next-character probabilities after `context` (the last `contextLength` token ids). */
  probabilities(context: ReadonlyArray<number>): Float32Array
}
