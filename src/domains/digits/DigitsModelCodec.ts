import { DateTime, Effect, Schema } from "effect"
import { DigitsMlp } from "./DigitsMlp.js"
import { DigitsModelId, type DigitsTrainingConfig, digitsModels } from "./DigitsPayload.js"
import { ModelArtifactInvalid } from "./DigitsErrors.js"
import { CLASS_COUNT, IMAGE_SIZE } from "./MnistDataset.js"

/** Describes a weights file: what produced it and how good it is. Stored beside the weights as JSON. */
export const DigitsManifest = Schema.Struct({
  format: Schema.Literal("digits-mlp/v1"),
  run_id: Schema.String,
  model_id: DigitsModelId,
  created_at: Schema.String,
  input_size: Schema.Literal(IMAGE_SIZE),
  hidden: Schema.Int,
  output_size: Schema.Literal(CLASS_COUNT),
  config: Schema.Struct({
    epochs: Schema.Int,
    batch_size: Schema.Int,
    learning_rate: Schema.Finite,
    seed: Schema.Int,
    train_size: Schema.Int,
    val_size: Schema.Int
  }),
  val_acc: Schema.Finite,
  weights_bytes: Schema.Int
}).annotate({ identifier: "DigitsManifest" })
export type DigitsManifest = typeof DigitsManifest.Type

const ManifestJson = Schema.fromJsonString(DigitsManifest)
const encodeManifest = Schema.encodeEffect(ManifestJson)
const decodeManifest = Schema.decodeUnknownEffect(ManifestJson)

/** Weights file: 4-byte magic, u32 input, hidden and output sizes, then w1, b1, w2, b2 as float32, all little-endian. */
const MAGIC = 0x314d4744 // "DGM1" read as a little-endian u32
const HEADER_BYTES = 16

export interface DigitsArtifact {
  readonly modelBytes: Uint8Array
  readonly manifestJson: string
}

export interface DigitsArtifactInfo {
  readonly runId: string
  readonly config: DigitsTrainingConfig
  readonly valAcc: number
  /** ISO 8601; the current time (Effect Clock) when omitted. */
  readonly createdAt?: string
}

const weightCount = (hidden: number) => IMAGE_SIZE * hidden + hidden + hidden * CLASS_COUNT + CLASS_COUNT
const weightsBytes = (hidden: number) => HEADER_BYTES + 4 * weightCount(hidden)

const writeWeights = (model: DigitsMlp): Uint8Array => {
  const bytes = new Uint8Array(weightsBytes(model.hidden))
  const view = new DataView(bytes.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, IMAGE_SIZE, true)
  view.setUint32(8, model.hidden, true)
  view.setUint32(12, CLASS_COUNT, true)
  let offset = HEADER_BYTES
  for (const parameter of model.parameters) {
    for (const value of parameter.values) {
      view.setFloat32(offset, value, true)
      offset += 4
    }
  }
  return bytes
}

const invalid = (message: string) => new ModelArtifactInvalid({ message: `Invalid digits model: ${message}` })

const readWeights = (bytes: Uint8Array, expectedHidden: number): Effect.Effect<DigitsMlp, ModelArtifactInvalid> => {
  if (bytes.byteLength < HEADER_BYTES) return Effect.fail(invalid(`${bytes.byteLength} bytes is shorter than the header`))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== MAGIC) return Effect.fail(invalid("weights do not start with the DGM1 magic"))
  const input = view.getUint32(4, true)
  const hidden = view.getUint32(8, true)
  const output = view.getUint32(12, true)
  if (input !== IMAGE_SIZE || output !== CLASS_COUNT || hidden !== expectedHidden) {
    return Effect.fail(invalid(`weights are ${input}-${hidden}-${output}, manifest says ${IMAGE_SIZE}-${expectedHidden}-${CLASS_COUNT}`))
  }
  if (bytes.byteLength !== weightsBytes(hidden)) {
    return Effect.fail(invalid(`expected ${weightsBytes(hidden)} bytes of weights, got ${bytes.byteLength}`))
  }
  let offset = HEADER_BYTES
  const take = (length: number) => {
    const values = new Float32Array(length)
    for (let i = 0; i < length; i++, offset += 4) values[i] = view.getFloat32(offset, true)
    return values
  }
  const w1 = take(IMAGE_SIZE * hidden)
  const b1 = take(hidden)
  const w2 = take(hidden * CLASS_COUNT)
  const b2 = take(CLASS_COUNT)
  return Effect.succeed(DigitsMlp.fromWeights(hidden, w1, b1, w2, b2))
}

/** Serialises trained weights and their manifest. */
export const encodeDigitsModel = (
  model: DigitsMlp,
  info: DigitsArtifactInfo
): Effect.Effect<DigitsArtifact, ModelArtifactInvalid> =>
  Effect.gen(function*() {
    const createdAt = info.createdAt ?? DateTime.formatIso(yield* DateTime.now)
    const modelBytes = writeWeights(model)
    const { config } = info
    const manifestJson = yield* encodeManifest({
      format: "digits-mlp/v1",
      run_id: info.runId,
      model_id: config.modelId,
      created_at: createdAt,
      input_size: IMAGE_SIZE,
      hidden: model.hidden,
      output_size: CLASS_COUNT,
      config: {
        epochs: config.epochs,
        batch_size: config.batchSize,
        learning_rate: config.learningRate,
        seed: config.seed,
        train_size: config.trainSize,
        val_size: config.valSize
      },
      val_acc: info.valAcc,
      weights_bytes: modelBytes.byteLength
    }).pipe(Effect.mapError((error) => invalid(`manifest: ${error.message}`)))
    return { modelBytes, manifestJson }
  })

/** Parses a manifest and its weights back into a model; any mismatch is a `ModelArtifactInvalid`. */
export const decodeDigitsModel = (
  artifact: DigitsArtifact
): Effect.Effect<{ readonly model: DigitsMlp; readonly manifest: DigitsManifest }, ModelArtifactInvalid> =>
  Effect.gen(function*() {
    const manifest = yield* decodeManifest(artifact.manifestJson).pipe(
      Effect.mapError((error) => invalid(`manifest: ${error.message.replace(/\s*\n\s*/g, " ")}`))
    )
    if (digitsModels[manifest.model_id] !== manifest.hidden) {
      return yield* invalid(`model_id ${manifest.model_id} does not have ${manifest.hidden} hidden units`)
    }
    const model = yield* readWeights(artifact.modelBytes, manifest.hidden)
    return { model, manifest }
  })
