/**
 * The dashboard's browser script (plain JavaScript, no build step): keeps a map of job views fed by
 * server-sent events from /api/events, renders one table row per job with its progress bar and
 * training metrics, polls the queue counts, shows a job's detail, and sends actions with the token.
 * Text is always set through textContent, never parsed as HTML.
 *
 * Every /api request carries `Authorization: Bearer <token>`. EventSource cannot send headers, so
 * the event stream is read with fetch and parsed here; the token never goes into a URL (where
 * access logs and history would keep it). It lives in sessionStorage for the tab only.
 */
export const dashboardScript = String.raw`"use strict";
const jobs = new Map();
const $ = (id) => document.getElementById(id);
const el = (tag, props, children) => {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children || []) node.append(child);
  return node;
};
const fmt = (n, d) => (Number.isInteger(n) ? String(n) : n.toFixed(d));

const tokenInput = $("token");
tokenInput.value = sessionStorage.getItem("dashboard-token") || "";
const authHeaders = () => (tokenInput.value ? { authorization: "Bearer " + tokenInput.value } : {});
const connection = (text) => { $("connection").textContent = text; };

function notice(text, ok) {
  const n = $("notice");
  n.textContent = text;
  n.className = ok ? "ok" : "error";
}

function metricsText(m) {
  const parts = [];
  if (m.epoch !== undefined) parts.push("epoch " + m.epoch + "/" + (m.totalEpochs ?? "?"));
  if (m.batch !== undefined) parts.push("batch " + m.batch + "/" + (m.totalBatches ?? "?"));
  if (m.batchLoss !== undefined) parts.push("loss " + fmt(m.batchLoss, 4));
  if (m.batchAcc !== undefined) parts.push("acc " + fmt(m.batchAcc, 3));
  if (m.valAcc !== undefined) parts.push("val_acc " + fmt(m.valAcc, 4));
  if (m.bestValAcc !== undefined) parts.push("best " + fmt(m.bestValAcc, 4) + " @" + m.bestEpoch);
  if (m.samplesPerSec !== undefined) parts.push(fmt(m.samplesPerSec, 0) + " samples/s");
  if (m.step !== undefined) parts.push("step " + m.step + "/" + (m.totalSteps ?? "?"));
  if (m.loss !== undefined) parts.push("loss " + fmt(m.loss, 4));
  if (m.valLoss !== undefined) parts.push("val_loss " + fmt(m.valLoss, 4));
  if (m.tokensPerSec !== undefined) parts.push(fmt(m.tokensPerSec, 0) + " tok/s");
  if (m.perplexity !== undefined) parts.push("ppl " + fmt(m.perplexity, 2));
  return parts.join(" · ");
}

async function act(job, action) {
  const headers = authHeaders();
  try {
    const response = await fetch("/api/jobs/" + encodeURIComponent(job.domain) + "/" + encodeURIComponent(job.jobId) + "/" + action, { method: "POST", headers });
    const body = await response.json();
    if (response.ok) notice(action + " " + job.jobId + ": " + body.outcome, true);
    else notice(action + " refused (" + response.status + "): " + body.error, false);
  } catch (error) {
    notice(action + " failed: " + error, false);
  }
}

function row(job) {
  const buttons = [];
  const button = (action, label) => {
    const b = el("button", { type: "button", textContent: label });
    b.dataset.action = action;
    b.addEventListener("click", () => act(job, action));
    buttons.push(b);
  };
  if (job.status === "running") button("cancel", "Cancel");
  if (job.status === "failed") { button("retry", "Retry"); button("requeue", "Requeue from dead letter"); }
  const link = el("a", { className: "job", textContent: job.domain + "/" + job.jobId });
  link.addEventListener("click", () => showDetail(job.domain, job.jobId));
  const fill = el("div", { className: "fill" });
  fill.style.width = job.progress + "%";
  const message = job.status === "failed" && job.error ? "✗ " + job.error.message
    : job.status === "completed" ? "✓ " + (job.resultId ?? "") + " (" + (job.resultBytes ?? 0) + " bytes)"
    : (job.message ?? "");
  const tr = el("tr", {}, [
    el("td", {}, [link]),
    el("td", { className: "status-" + job.status, textContent: job.status }),
    el("td", {}, [el("span", { className: "bar" }, [fill]), el("span", { className: "pct", textContent: job.progress + "%" })]),
    el("td", { className: "message", textContent: message }),
    el("td", { className: "metrics", textContent: metricsText(job.metrics) }),
    el("td", {}, buttons)
  ]);
  tr.dataset.job = job.key;
  tr.dataset.status = job.status;
  tr.dataset.progress = String(job.progress);
  return tr;
}

function upsert(job) {
  jobs.set(job.key, job);
  const body = $("jobs").tBodies[0];
  const fresh = row(job);
  const old = body.querySelector('tr[data-job="' + CSS.escape(job.key) + '"]');
  if (old) old.replaceWith(fresh); else body.prepend(fresh);
}

function showProblems(p) {
  $("problems").textContent = p.unknown + p.malformed === 0 ? "" :
    "Events not understood: " + p.unknown + " unknown, " + p.malformed + " malformed" +
    (p.recent.length ? " (last: " + p.recent[p.recent.length - 1].reason + ")" : "");
}

async function showDetail(domain, jobId) {
  const response = await fetch("/api/jobs/" + encodeURIComponent(domain) + "/" + encodeURIComponent(jobId), { headers: authHeaders() });
  const body = await response.json();
  const detail = $("detail");
  detail.replaceChildren();
  if (!response.ok) { detail.textContent = body.error; return; }
  const record = body.record, view = body.view;
  detail.append(el("h3", { textContent: domain + "/" + jobId }));
  if (record) {
    detail.append(el("p", { textContent: "status " + record.status.status + ", attempt " + record.attempt + " of " + record.maxAttempts +
      (record.resultId ? ", result " + record.resultId + " (" + record.resultBytes + " bytes)" : "") }));
    if (record.lastError) detail.append(el("p", { className: "status-failed", textContent: "error: " + record.lastError }));
  }
  if (view) {
    if (view.error) detail.append(el("p", { className: "status-failed", textContent: "error (" + view.error.kind + "): " + view.error.message }));
    const list = el("ol", { id: "history" });
    for (const h of view.history) list.append(el("li", { textContent: new Date(h.at).toISOString().slice(11, 23) + "  " + h.type + "  " + h.summary }));
    detail.append(el("h4", { textContent: "Events (" + view.events + ")" }), list);
  }
}

async function refreshQueues() {
  if (!tokenInput.value) return;
  try {
    const response = await fetch("/api/queues", { headers: authHeaders() });
    const body = await response.json();
    if (!response.ok) return;
    const tbody = $("queues").tBodies[0];
    tbody.replaceChildren(...body.queues.map((q) => {
      const tr = el("tr", {}, [el("td", { textContent: q.domain }),
        ...["waiting", "active", "delayed", "failed", "dead", "invalid"].map((k) => {
          const td = el("td", { className: "num", textContent: String(q[k]) });
          td.dataset.count = k;
          return td;
        })]);
      tr.dataset.domain = q.domain;
      return tr;
    }));
  } catch (error) {
    $("connection").textContent = "queue counts unavailable: " + error;
  }
}

function onEvent(name, data) {
  if (name === "snapshot") {
    const snapshot = JSON.parse(data);
    jobs.clear();
    $("jobs").tBodies[0].replaceChildren();
    for (const job of snapshot.jobs.slice().reverse()) upsert(job);
    showProblems(snapshot.problems);
  } else if (name === "job") upsert(JSON.parse(data));
  else if (name === "problems") showProblems(JSON.parse(data));
}

/** One server-sent-events frame: "event:" and "data:" lines; ":" lines are keep-alive comments. */
function onFrame(frame) {
  let name = "message";
  const data = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (data.length > 0) onEvent(name, data.join("\n"));
}

let stream = null;
let retry = null;

/** (Re)opens /api/events with the token; reconnects after a drop, not after a refusal. */
async function connect() {
  if (stream) stream.abort();
  clearTimeout(retry);
  if (!tokenInput.value) { connection("enter the dashboard token"); return; }
  const controller = new AbortController();
  stream = controller;
  try {
    const response = await fetch("/api/events", { headers: authHeaders(), signal: controller.signal });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      connection("refused (" + response.status + "): " + (body.error || response.statusText));
      return;
    }
    connection("live");
    refreshQueues();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        onFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } catch (error) {
    if (controller.signal.aborted) return;
  }
  if (stream !== controller) return;
  connection("reconnecting…");
  retry = setTimeout(connect, 1000);
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("dashboard-token", tokenInput.value);
  connect();
});
connect();
setInterval(refreshQueues, 2000);
`