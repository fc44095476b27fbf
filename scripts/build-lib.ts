/**
 * Builds the importable package: `tsc -p tsconfig.build.json` writes ES modules and `.d.ts`
 * files for every module of src/ to dist/lib/, and the files modules read relative to their
 * own URL (the Lua scripts, the trainer's corpus) are copied beside them.
 *
 *   npm run build:lib
 */
import { execFileSync } from "node:child_process"
import { cpSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const out = join(root, "dist/lib")

rmSync(out, { recursive: true, force: true })
execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(root, "tsconfig.build.json")], { stdio: "inherit" })
cpSync(join(root, "src/runtime/lua"), join(out, "runtime/lua"), { recursive: true })
cpSync(join(root, "src/domains/trainer/corpus"), join(out, "domains/trainer/corpus"), { recursive: true })
console.log(`built ${out}`)
