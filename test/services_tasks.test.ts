/** The TaskService suite (test/conformance/taskService.ts) on the embedded PGlite and on a real PostgreSQL. */
import { Layer } from "effect"
import * as Database from "../src/sql/Database.js"
import { taskServiceSuite } from "./conformance/taskService.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"

taskServiceSuite("embedded PGlite", Database.layerEmbedded())

taskServiceSuite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))
