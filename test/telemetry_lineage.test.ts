import { Layer } from "effect"
import * as Database from "../src/sql/Database.js"
import { telemetryLineageSuite } from "./conformance/telemetryLineage.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"

telemetryLineageSuite("embedded PGlite", Database.layerEmbedded())
telemetryLineageSuite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))
