/**
 * All jobs a view watches, plus the events it could not use. Pure: `applyViewInput` returns the
 * next state and the job view that changed, so renderers and tests share one reducer.
 */
import type { ChannelMessage } from "../../contracts/ChannelMessage.js"
import { isMetricsType } from "../../contracts/ChannelMessage.js"
import type { JobDomain } from "../../contracts/JobDomain.js"
import { foldJobView, isFinished, type JobView, messageJobId, viewKey } from "./JobViewFold.js"

/** One thing that arrived on a channel: a decoded message, or text that did not decode. */
export type ViewInput =
  | { readonly _tag: "Message"; readonly domain: JobDomain; readonly message: ChannelMessage; readonly at: number }
  | { readonly _tag: "Undecodable"; readonly domain: JobDomain; readonly json: string; readonly reason: string; readonly at: number }

export interface ViewProblem {
  readonly at: number
  readonly domain: JobDomain
  /** unknown: a well-formed event of a type this view does not know; malformed: anything else that failed to decode. */
  readonly kind: "unknown" | "malformed"
  readonly reason: string
  readonly raw: string
}

export interface ViewProblems {
  readonly unknown: number
  readonly malformed: number
  /** The most recent problems, oldest first. */
  readonly recent: ReadonlyArray<ViewProblem>
}

export interface ViewState {
  readonly jobs: ReadonlyMap<string, JobView>
  readonly problems: ViewProblems
}

export type ViewChange =
  | { readonly _tag: "Job"; readonly job: JobView }
  | { readonly _tag: "Problems"; readonly problems: ViewProblems }

export const emptyViewState: ViewState = { jobs: new Map(), problems: { unknown: 0, malformed: 0, recent: [] } }

/** Finished jobs kept beyond this many are dropped, oldest update first; running jobs are always kept. */
export const finishedJobsKept = 500
const recentProblemsKept = 20

const lifecycleType = /^[a-z][a-z0-9_]{0,31}\.job\.(started|progress|completed|failed)\.v1$/

/** An event whose JSON is an object with a `type` nobody here decodes is "unknown"; the rest is "malformed". */
export const classifyUndecodable = (json: string): "unknown" | "malformed" => {
  try {
    const parsed: unknown = JSON.parse(json)
    if (typeof parsed !== "object" || parsed === null || !("type" in parsed) || typeof parsed.type !== "string") return "malformed"
    return isMetricsType(parsed.type) || lifecycleType.test(parsed.type) ? "malformed" : "unknown"
  } catch {
    return "malformed"
  }
}

const pruneFinished = (jobs: Map<string, JobView>): void => {
  const finished = [...jobs.values()].filter(isFinished)
  if (finished.length <= finishedJobsKept) return
  finished.sort((a, b) => a.updatedAt - b.updatedAt)
  for (const job of finished.slice(0, finished.length - finishedJobsKept)) jobs.delete(job.key)
}

export const applyViewInput = (state: ViewState, input: ViewInput): { readonly state: ViewState; readonly change: ViewChange } => {
  if (input._tag === "Undecodable") {
    const kind = classifyUndecodable(input.json)
    const problem: ViewProblem = { at: input.at, domain: input.domain, kind, reason: input.reason, raw: input.json.slice(0, 300) }
    const problems: ViewProblems = {
      unknown: state.problems.unknown + (kind === "unknown" ? 1 : 0),
      malformed: state.problems.malformed + (kind === "malformed" ? 1 : 0),
      recent: [...state.problems.recent, problem].slice(-recentProblemsKept)
    }
    return { state: { ...state, problems }, change: { _tag: "Problems", problems } }
  }
  const key = viewKey(input.domain, messageJobId(input.message))
  const job = foldJobView(state.jobs.get(key), input.domain, input.message, input.at)
  const jobs = new Map(state.jobs)
  jobs.set(key, job)
  pruneFinished(jobs)
  return { state: { ...state, jobs }, change: { _tag: "Job", job } }
}

/** Key for throttling: one per job, one for the problem counters. */
export const changeKey = (change: ViewChange): string => change._tag === "Job" ? change.job.key : "problems"
