/**
 * 0001: what every table of the system of record shares. The Migrator keeps its own bookkeeping
 * (`schema_migrations`, see ../Migrations.ts), so this migration only adds `touch_updated_at()`: a
 * trigger function that stamps `updated_at` on every UPDATE, so no repository can forget to.
 * A table opts in with:
 *   CREATE TRIGGER <table>_touch BEFORE UPDATE ON <table> FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END
$$`
})
