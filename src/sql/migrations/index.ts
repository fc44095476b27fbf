/**
 * The migrations, in order. Keys are `<id>_<name>`; the id is what `schema_migrations` records, so an
 * applied migration is never renumbered or edited: change the schema with a new one.
 *
 * Imported statically (not globbed from the filesystem) so the bundled CLI carries them too.
 * The Job & Task services add theirs here: 0002_jobs_tasks, 0003_..., one module each.
 */
import { Migrator } from "effect/sql"
import foundation from "./0001_foundation.js"
import jobsTasks from "./0002_jobs_tasks.js"
import telemetry from "./0003_telemetry.js"
import telemetryLineage from "./0004_telemetry_lineage.js"

export const migrations = Migrator.fromRecord({
  "0001_foundation": foundation,
  "0002_jobs_tasks": jobsTasks,
  "0003_telemetry": telemetry,
  "0004_telemetry_lineage": telemetryLineage
})
