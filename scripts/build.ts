/**
 * Bundles an entry (default: the `jobs` command, src/main.ts) into one ES module for plain
 * `node`, with the files its modules read beside it: the Lua scripts (lua/) and the trainer's
 * corpus (corpus/). Packages stay external and load from node_modules as usual.
 *
 * Running the bundle skips tsx: no transform at start and none of the helper calls its
 * keep-names mode wraps around every function, which a worker would pay per job.
 *
 *   npm run build                            # dist/jobs.mjs
 *   tsx scripts/build.ts <entry.ts> <out.mjs>
 */
import { cpSync, mkdirSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

export const buildBundle = async (entry: string, outFile: string): Promise<void> => {
  const outDir = dirname(outFile)
  mkdirSync(outDir, { recursive: true })
  await build({
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    packages: "external",
    sourcemap: "linked",
    logLevel: "warning"
  })
  // Modules find these relative to their own URL, which in the bundle is the bundle's.
  cpSync(join(root, "src/runtime/lua"), join(outDir, "lua"), { recursive: true })
  cpSync(join(root, "src/domains/trainer/corpus"), join(outDir, "corpus"), { recursive: true })
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const entry = resolve(process.argv[2] ?? join(root, "src/main.ts"))
  const outFile = resolve(process.argv[3] ?? join(root, "dist/jobs.mjs"))
  buildBundle(entry, outFile).then(
    () => console.log(`built ${outFile}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error))
      process.exitCode = 1
    }
  )
}
