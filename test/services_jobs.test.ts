/** The JobService suite (test/conformance/jobService.ts) on the embedded PGlite and on a real PostgreSQL, with a real redis-server. */
import { Layer } from "effect"
import * as Database from "../src/sql/Database.js"
import { jobServiceSuite } from "./conformance/jobService.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"

jobServiceSuite("embedded PGlite", Database.layerEmbedded())

jobServiceSuite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))
