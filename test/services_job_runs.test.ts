/**
 * Job runs through real workers and the run projection (test/conformance/jobRuns.ts): on the embedded
 * PGlite and on a real PostgreSQL with a real redis-server, and on the embedded PGlite with the
 * in-memory Redis twin (no consumer groups: the projection's XREAD fallback).
 */
import { Layer } from "effect"
import * as Database from "../src/sql/Database.js"
import { jobRunsSuite } from "./conformance/jobRuns.js"
import { PostgresServer, sqlClientOnServer } from "./support/PostgresServer.js"

jobRunsSuite("embedded PGlite", Database.layerEmbedded())

jobRunsSuite("PostgreSQL server", Layer.provide(sqlClientOnServer, PostgresServer.layer()))

jobRunsSuite("embedded PGlite", Database.layerEmbedded(), "memory")
