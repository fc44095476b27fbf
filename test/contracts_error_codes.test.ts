import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import {
  errorKindOf,
  errorKindOfHttpStatus,
  httpStatusOf,
  httpStatusOfErrorKind,
  ModelTrainerError,
  ModelTrainerErrorCode,
  modelTrainerErrorCodes
} from "../src/contracts/ErrorCodes.js"
import {
  CorpusEmpty,
  CorpusUnavailable,
  Diverged,
  InvalidConfig,
  ModelNotFound
} from "../src/domains/trainer/TrainingErrors.js"

describe("model-trainer error codes", () => {
  it("maps every code to an HTTP error status and an error kind that agree", () => {
    for (const code of modelTrainerErrorCodes) {
      const status = httpStatusOf(code)
      assert.isTrue(status >= 400 && status <= 599, `${code} -> ${status}`)
      // A user error is a 4xx, a system error a 5xx: the status and the kind never contradict.
      assert.strictEqual(errorKindOf(code), status < 500 ? "user" : "system", code)
      assert.strictEqual(errorKindOfHttpStatus(status), errorKindOf(code), code)
    }
  })

  it("gives the statuses a client acts on", () => {
    assert.strictEqual(httpStatusOf("INVALID_CONFIG"), 400)
    assert.strictEqual(httpStatusOf("MODEL_NOT_FOUND"), 404)
    assert.strictEqual(httpStatusOf("CORPUS_TOO_LARGE"), 413)
    assert.strictEqual(httpStatusOf("CORPUS_EMPTY"), 422)
    assert.strictEqual(httpStatusOf("DIVERGED"), 422)
    assert.strictEqual(httpStatusOf("CANCELLED"), 409)
    assert.strictEqual(httpStatusOf("CORPUS_UNAVAILABLE"), 500)
    assert.strictEqual(httpStatusOf("INTERNAL"), 500)
    assert.strictEqual(httpStatusOf("UNAVAILABLE"), 503)
    assert.strictEqual(httpStatusOf("TIMEOUT"), 504)
  })

  it("covers every code and kind the trainer domain's errors carry", () => {
    const domainErrors = [
      new InvalidConfig({ message: "steps must be > 0" }),
      new ModelNotFound({ model: "gpt-9", message: "unknown model" }),
      new Diverged({ step: 12, loss: Number.NaN, message: "loss is NaN" }),
      new CorpusEmpty({ characters: 3, message: "too short" }),
      new CorpusUnavailable({ path: "corpus.txt", message: "missing" })
    ]
    for (const error of domainErrors) {
      const code = Schema.decodeUnknownSync(ModelTrainerErrorCode)(error.code)
      assert.strictEqual(errorKindOf(code), error.kind, error.code)
    }
  })

  it("carries the mapping on the tagged error", () => {
    const error = new ModelTrainerError({ code: "CORPUS_TOO_LARGE", message: "corpus is 80 MB, limit is 50 MB" })
    assert.strictEqual(error._tag, "ModelTrainerError")
    assert.strictEqual(error.httpStatus, 413)
    assert.strictEqual(error.errorKind, "user")
    assert.strictEqual(new ModelTrainerError({ code: "INTERNAL", message: "x" }).errorKind, "system")
  })

  it.effect("decodes known codes from the wire and names the allowed ones otherwise", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Schema.decodeUnknownEffect(ModelTrainerErrorCode)("DIVERGED"), "DIVERGED")
      const error = yield* Effect.flip(Schema.decodeUnknownEffect(ModelTrainerErrorCode)("OOM"))
      assert.strictEqual(
        error.message,
        "Expected a model-trainer error code: one of INVALID_CONFIG, CORPUS_EMPTY, CORPUS_TOO_LARGE, CORPUS_UNAVAILABLE, DIVERGED, " +
          "MODEL_NOT_FOUND, CANCELLED, TIMEOUT, UNAVAILABLE, INTERNAL"
      )
    }))
})

describe("runtime error kinds and HTTP statuses", () => {
  it("maps error_kind to a status", () => {
    assert.strictEqual(httpStatusOfErrorKind("user"), 400)
    assert.strictEqual(httpStatusOfErrorKind("system"), 500)
  })

  it("reads 4xx as the caller's fault and everything else as ours", () => {
    assert.strictEqual(errorKindOfHttpStatus(400), "user")
    assert.strictEqual(errorKindOfHttpStatus(499), "user")
    assert.strictEqual(errorKindOfHttpStatus(500), "system")
    assert.strictEqual(errorKindOfHttpStatus(503), "system")
    assert.strictEqual(errorKindOfHttpStatus(302), "system")
    assert.strictEqual(errorKindOfHttpStatus(404.5), "system")
  })
})
