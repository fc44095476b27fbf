/** Process-wide job metrics, exported in Prometheus format by the health server. */
import { Metric } from "effect"

export const jobMetrics = {
  started: Metric.counter("jobs_started_total", { description: "Job attempts started" }),
  completed: Metric.counter("jobs_completed_total", { description: "Jobs completed" }),
  failed: Metric.counter("jobs_failed_total", { description: "Job attempts that failed (user or system)" }),
  retried: Metric.counter("jobs_retried_total", { description: "Failed attempts scheduled to run again" }),
  deadLettered: Metric.counter("jobs_dead_lettered_total", { description: "Jobs moved to the dead-letter set" }),
  durationMs: Metric.histogram("jobs_duration_ms", {
    description: "Job attempt duration in milliseconds",
    boundaries: Metric.exponentialBoundaries({ start: 1, factor: 2, count: 18 })
  })
}
