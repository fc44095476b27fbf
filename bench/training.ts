/**
 * Throughput of the training loops (digits samples/s, language-model tokens/s) with the yield
 * cadence on and off, median of 3 runs, plus the cost of one Effect.yieldNow and the default
 * digits run's time and accuracy. Run: npx tsx bench/training.ts
 */
import { Effect } from "effect"
import { decodeDigitsPayload } from "../src/domains/digits/DigitsPayload.js"
import { trainDigits } from "../src/domains/digits/DigitsTraining.js"
import { loadMnist, splitDigits } from "../src/domains/digits/MnistDataset.js"
import { buildCharCorpus, loadBundledCorpus } from "../src/domains/trainer/CharCorpus.js"
import { trainCharLm, VALIDATION_FRACTION } from "../src/domains/trainer/CharLmTraining.js"
import { decodeTrainerPayload } from "../src/domains/trainer/TrainerPayload.js"

const RUNS = 3

interface Mode {
  readonly name: string
  readonly yieldEvery: number
  readonly withHook: boolean
}
const modes: ReadonlyArray<Mode> = [
  { name: "yield off, no hook", yieldEvery: 0, withHook: false },
  { name: "yield every step", yieldEvery: 1, withHook: false },
  { name: "yield every step + hook", yieldEvery: 1, withHook: true }
]

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const value = yield* effect
    return { value, seconds: (performance.now() - start) / 1000 }
  })

const program = Effect.gen(function*() {
  const rows: Array<{ loop: string; mode: string; throughput: string; unit: string }> = []

  // One yieldNow in isolation.
  const yields = 100_000
  const yieldTime = yield* timed(Effect.gen(function*() {
    for (let i = 0; i < yields; i++) yield* Effect.yieldNow
  }))
  const yieldMicros = (yieldTime.seconds * 1e6) / yields

  // Modes are interleaved within each run so that load from other processes hits all of them alike.
  const all = yield* loadMnist
  const digitsConfig = yield* decodeDigitsPayload({ model_id: "mlp-64", epochs: 1 })
  const split = splitDigits(all, digitsConfig)
  const digitsRates = modes.map((): Array<number> => [])
  for (let run = 0; run < RUNS; run++) {
    for (const [m, mode] of modes.entries()) {
      const result = yield* trainDigits(digitsConfig, split, {
        yieldEveryBatches: mode.yieldEvery,
        ...(mode.withHook ? { onBatch: () => Effect.void } : {})
      })
      digitsRates[m]?.push(digitsConfig.trainSize / result.trainTimeS)
    }
  }
  modes.forEach((mode, m) =>
    rows.push({ loop: "digits mlp-64, batch 32", mode: mode.name, throughput: median(digitsRates[m] ?? []).toFixed(0), unit: "samples/s" })
  )

  const text = yield* loadBundledCorpus
  for (const family of ["char-mlp", "char-bigram"]) {
    const config = yield* decodeTrainerPayload({ model_family: family, steps: family === "char-mlp" ? 300 : 3000 })
    const corpus = yield* buildCharCorpus(text, { contextLength: config.contextLength, validationFraction: VALIDATION_FRACTION })
    const rates = modes.map((): Array<number> => [])
    for (let run = 0; run < RUNS; run++) {
      for (const [m, mode] of modes.entries()) {
        const result = yield* trainCharLm(config, corpus, {
          yieldEverySteps: mode.yieldEvery,
          ...(mode.withHook ? { onStep: () => Effect.void } : {})
        })
        rates[m]?.push((config.steps * config.batchSize) / result.trainTimeS)
      }
    }
    modes.forEach((mode, m) =>
      rows.push({ loop: `${family}, batch 32`, mode: mode.name, throughput: median(rates[m] ?? []).toFixed(0), unit: "tokens/s" })
    )
  }

  // The default digits run, end to end (dataset load excluded).
  const defaults = yield* decodeDigitsPayload({ model_id: "mlp-64" })
  const full = yield* timed(trainDigits(defaults, splitDigits(all, defaults)))

  console.log(`median of ${RUNS} runs, Node ${process.version}`)
  console.table(rows)
  console.log(`Effect.yieldNow alone: ${yieldMicros.toFixed(2)} µs per yield (${yields} yields)`)
  console.log(
    `default digits run (${defaults.epochs} epochs x ${defaults.trainSize} digits, ${defaults.modelId}, batch ${defaults.batchSize}): ` +
      `val acc ${(full.value.valAcc * 100).toFixed(1)}% in ${full.seconds.toFixed(2)} s`
  )
})

Effect.runPromise(program).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
