#!/usr/bin/env node
// `effect-jobs <command>`. The CLI runs inside this process: the built bundle (dist/jobs.mjs, from
// `npm run build`) when present, else the TypeScript sources through tsx's loader. There is no
// child process, so a SIGTERM/SIGINT/SIGHUP sent to this PID (a process manager, a container
// runtime, Ctrl-C) reaches the runtime itself, which drains, and nothing can be left behind.
// EFFECT_JOBS_FROM_SOURCE=1 runs the sources even when a bundle exists (a bundle older than
// your edits would otherwise win).
import { existsSync } from "node:fs"

const root = new URL("../", import.meta.url)
const bundle = new URL("dist/jobs.mjs", root)

if (existsSync(bundle) && process.env.EFFECT_JOBS_FROM_SOURCE !== "1") {
  await import(bundle.href)
} else {
  const tsx = await import("tsx/esm/api").catch((error) => {
    process.stderr.write(`effect-jobs: ${bundle.pathname} is missing and tsx cannot be loaded to run the sources (${error.code ?? error.message}); run \`npm run build\` or install tsx\n`)
    process.exit(1)
  })
  tsx.register()
  await import(new URL("src/main.ts", root).href)
}
