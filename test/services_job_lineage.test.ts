/** JobService.lineage (test/conformance/jobLineage.ts) on the embedded PGlite and on a real PostgreSQL, with a real redis-server. */
import { Layer } from "effect"
import * as Database from "../src/sql/Database.js"
import { jobLineageSuite } from "./conformance/jobLineage.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"

jobLineageSuite("embedded PGlite", Database.layerEmbedded())

jobLineageSuite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))
