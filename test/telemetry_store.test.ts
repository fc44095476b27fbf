import { Layer } from "effect"
import * as Database from "../src/sql/Database.js"
import { telemetryStoreSuite } from "./conformance/telemetryStore.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"

telemetryStoreSuite("embedded PGlite", Database.layerEmbedded())

telemetryStoreSuite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))
