/**
 * Training errors (trainer and digits) as job failures. The error kind comes from the model-trainer
 * error-code table (ErrorCodes.ts) when the code is one of its codes, otherwise from the error itself;
 * user kinds keep their code for clients, system kinds name it in the message.
 */
import { errorKindOf, ModelTrainerErrorCode } from "../../contracts/ErrorCodes.js"
import type { ErrorKind } from "../../contracts/JobDomain.js"
import { JobSystemError, JobUserError } from "../../runtime/JobErrors.js"
import { Schema } from "effect"

export interface CodedError {
  readonly code: string
  readonly kind: ErrorKind
  readonly message: string
}

const isTrainerCode = Schema.is(ModelTrainerErrorCode)

export const kindOfCode = (error: CodedError): ErrorKind => isTrainerCode(error.code) ? errorKindOf(error.code) : error.kind

export const toJobFailure = (error: CodedError): JobUserError | JobSystemError =>
  kindOfCode(error) === "user"
    ? new JobUserError({ message: error.message, code: error.code })
    : new JobSystemError({ message: `${error.code}: ${error.message}` })
