/**
 * The dashboard's one HTML page; its behaviour is in script.ts, served as /assets/dashboard.js, and
 * its style is /assets/dashboard.css: nothing inline, so the CSP can be self-only.
 */
import type { JobDomain } from "../../contracts/JobDomain.js"

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c] ?? c)

export const dashboardStyle = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f6f7f9; }
h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; background: #fff; } th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e6eb; vertical-align: middle; }
th { font-weight: 600; background: #eef0f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; width: 140px; height: 10px; background: #e3e6eb; border-radius: 5px; overflow: hidden; vertical-align: middle; }
.fill { height: 100%; background: #3b82f6; transition: width .3s; } tr[data-status="completed"] .fill { background: #16a34a; } tr[data-status="failed"] .fill { background: #dc2626; }
.pct { display: inline-block; width: 3.2em; text-align: right; font-variant-numeric: tabular-nums; }
.status-completed { color: #16a34a; } .status-failed { color: #dc2626; } .status-running { color: #2563eb; }
.metrics { color: #555; font-size: 12px; } .mode { color: #555; } #notice { min-height: 1.3em; margin: .4rem 0; font-weight: 600; }
#notice.error { color: #dc2626; } #notice.ok { color: #16a34a; } #detail pre { background: #fff; padding: .6rem; overflow: auto; max-height: 20rem; }
button { margin-right: .3rem; } a.job { cursor: pointer; color: #2563eb; text-decoration: underline; }
#token-form { display: inline; }
`

export const dashboardPage = (options: { readonly domains: ReadonlyArray<JobDomain>; readonly actionsEnabled: boolean }): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jobs dashboard</title>
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body data-actions="${options.actionsEnabled ? "enabled" : "read-only"}" data-domains="${escapeHtml(options.domains.join(","))}">
<h1>jobs dashboard</h1>
<div class="mode">Domains: ${escapeHtml(options.domains.join(", "))}. ${options.actionsEnabled
  ? "Jobs, queues and actions need the dashboard token."
  : "Closed: the server was started without DASHBOARD_TOKEN, so it serves no job data and no actions."}
  <form id="token-form"><label>Token <input id="token" type="password" autocomplete="off" size="24"></label>
  <button type="submit" id="connect">Connect</button></form>
  <span id="connection">enter the dashboard token</span>
</div>
<div id="notice" role="status"></div>
<h2>Queues</h2>
<table id="queues"><thead><tr><th>domain</th><th>waiting</th><th>active</th><th>delayed</th><th>failed</th><th>dead letter</th><th>invalid</th></tr></thead><tbody></tbody></table>
<h2>Jobs</h2>
<table id="jobs"><thead><tr><th>job</th><th>status</th><th>progress</th><th>message</th><th>metrics</th><th>actions</th></tr></thead><tbody></tbody></table>
<div id="problems" class="metrics"></div>
<h2>Job detail</h2>
<div id="detail">Select a job.</div>
<script src="/assets/dashboard.js"></script>
</body>
</html>`
