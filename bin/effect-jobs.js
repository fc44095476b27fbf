#!/usr/bin/env node
// `effect-jobs <command>`. The CLI runs inside this process: the built bundle (dist/jobs.mjs, from
// `npm run build`) when present, else the TypeScript sources through tsx's loader. There is no
// child process, so a SIGTERM/SIGINT/SIGHUP sent to this PID (a process manager, a container
// runtime, Ctrl-C) reaches the runtime itself, which drains, and nothing can be left behind.
// EFFECT_JOBS_FROM_SOURCE=1 runs the sources even when a bundle exists.
import { existsSync, readdirSync, statSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = new URL("../", import.meta.url)
const bundle = new URL("dist/jobs.mjs", root)
const sources = new URL("src/", root)

/**
 * In a checkout (an installed package ships no src/), a bundle older than the sources runs code
 * that is no longer there: say so, since the command would otherwise silently ignore the edits.
 */
const warnIfStale = () => {
  if (!existsSync(sources)) return
  const built = statSync(bundle).mtimeMs
  const dir = fileURLToPath(sources)
  const newer = readdirSync(dir, { recursive: true }).find((file) => {
    const stat = statSync(`${dir}/${file}`)
    return stat.isFile() && stat.mtimeMs > built
  })
  if (newer !== undefined) {
    process.stderr.write(`effect-jobs: dist/jobs.mjs is older than src/${newer}; run \`npm run build\`, or set EFFECT_JOBS_FROM_SOURCE=1 to run the sources\n`)
  }
}

if (existsSync(bundle) && process.env.EFFECT_JOBS_FROM_SOURCE !== "1") {
  warnIfStale()
  await import(bundle.href)
} else {
  const tsx = await import("tsx/esm/api").catch((error) => {
    process.stderr.write(`effect-jobs: ${fileURLToPath(bundle)} is missing and tsx cannot be loaded to run the sources (${error.code ?? error.message}); run \`npm run build\` or install tsx\n`)
    process.exit(1)
  })
  tsx.register()
  await import(new URL("src/main.ts", root).href)
}
