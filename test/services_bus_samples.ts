/** One valid bus event per `bus.*.v1.json` file (spread into contracts_samples.ts's samplesByFile). */
const envelope = { event_id: "3e9a2c1d-7b6f-4e5a-9c8d-1f2e3d4c5b6a", occurred_at: "2026-12-07T07:39:33.731000+00:00" }
const job = { ...envelope, job_id: "0b4e7a51-6a3c-4c1e-9d55-2f4a8c0e9b11", user_id: 9_007_199_254_740_993n, domain: "qr" }
const task = { ...envelope, task_id: "7d3f0c22-1b2a-4e0f-8a9b-3c4d5e6f7a80", user_id: 42n, actor_user_id: 0n }

export const busSamplesByFile: Readonly<Record<string, unknown>> = {
  "bus.job.created.v1.json": { type: "job.created.v1", ...job, actor_user_id: 42n, name: "nightly qr", status: "pending", priority: "medium" },
  "bus.job.updated.v1.json": { type: "job.updated.v1", ...job, fields: ["name", "priority"] },
  "bus.job.deleted.v1.json": { type: "job.deleted.v1", ...job },
  "bus.job.status_changed.v1.json": { type: "job.status_changed.v1", ...job, from: "pending", to: "running" },
  "bus.job.scheduled.v1.json": { type: "job.scheduled.v1", ...job, schedule_kind: "cron", cron: "0 3 * * *" },
  "bus.job.started.v1.json": { type: "job.started.v1", ...job, runtime_job_id: "0b4e7a51-6a3c-4c1e-9d55-2f4a8c0e9b11" },
  "bus.job.succeeded.v1.json": { type: "job.succeeded.v1", ...job, result: { bytes: 120 } },
  "bus.job.failed.v1.json": { type: "job.failed.v1", ...job, error: "payload: Expected a string at [\"text\"]" },
  "bus.job.cancelled.v1.json": { type: "job.cancelled.v1", ...job, reason: "task cancelled" },
  "bus.task.created.v1.json": { type: "task.created.v1", ...task, title: "Ship QR", status: "open", priority: "high" },
  "bus.task.updated.v1.json": { type: "task.updated.v1", ...task, fields: ["title"] },
  "bus.task.deleted.v1.json": { type: "task.deleted.v1", ...task },
  "bus.task.status_changed.v1.json": { type: "task.status_changed.v1", ...task, from: "open", to: "in_progress" },
  "bus.task.assigned.v1.json": { type: "task.assigned.v1", ...task, assignee_user_id: 9_223_372_036_854_775_807n },
  "bus.task.completed.v1.json": { type: "task.completed.v1", ...task, forced: false },
  "bus.task.cancelled.v1.json": { type: "task.cancelled.v1", ...task, reason: "plan changed", cascaded_from: "a1" }
}
