/**
 * The W3C trace context header (`traceparent`, https://www.w3.org/TR/trace-context/) as stored in a
 * job record: `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`, lower case. A producer's
 * span is written in it at enqueue, and the worker's attempt span continues that trace.
 */

export interface TraceParent {
  readonly traceId: string
  readonly spanId: string
  readonly sampled: boolean
}

// Version 00 only (the one defined); all-zero ids are invalid by the spec.
const pattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
const zeroTrace = "0".repeat(32)
const zeroSpan = "0".repeat(16)

export const parseTraceParent = (text: string): TraceParent | undefined => {
  const match = pattern.exec(text)
  if (match === null) return undefined
  const [, traceId = "", spanId = "", flags = "00"] = match
  if (traceId === zeroTrace || spanId === zeroSpan) return undefined
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 }
}

/** Undefined for ids that do not fit the header (a tracer with other id formats). */
export const formatTraceParent = (span: TraceParent): string | undefined => {
  const text = `00-${span.traceId.padStart(32, "0")}-${span.spanId}-${span.sampled ? "01" : "00"}`
  return parseTraceParent(text) === undefined ? undefined : text
}
