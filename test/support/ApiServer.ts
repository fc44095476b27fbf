/**
 * The Job & Task API on a real HTTP server for tests: `serve`'s server (HttpServer.ts with the API
 * mounted) over the services on a given database, the in-memory runtime, and five tokens: an owner, an
 * assignee and a stranger (plain users; the stranger's id is past 2^53, to check exact ids), an
 * operator and an admin.
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { startHttpServer } from "../../src/http/HttpServer.js"
import { DashboardToken } from "../../src/http/DashboardToken.js"
import { type Actor, ApiTokens } from "../../src/services/Actor.js"
import * as ServicesLayer from "../../src/services/ServicesLayer.js"
import { Producer } from "../../src/runtime/Producer.js"
import { RedisClient } from "../../src/redis/RedisClient.js"
import { ResultStore } from "../../src/runtime/ResultStore.js"
import { RuntimeConfig } from "../../src/runtime/RuntimeConfig.js"
import { runtimeLayer } from "../../src/runtime/RuntimeLayer.js"
import type { Database } from "../../src/sql/Database.js"

export const actors = {
  owner: { token: "owner-token", actor: { userId: 1001n, roles: ["user"] } },
  assignee: { token: "assignee-token", actor: { userId: 1002n, roles: ["user"] } },
  stranger: { token: "stranger-token", actor: { userId: 9007199254740993n, roles: ["user"] } },
  operator: { token: "operator-token", actor: { userId: 7n, roles: ["operator"] } },
  admin: { token: "admin-token", actor: { userId: 8n, roles: ["admin"] } }
} as const satisfies Record<string, { readonly token: string; readonly actor: Actor }>
export type ActorName = keyof typeof actors
export const actorNames = ["owner", "assignee", "stranger", "operator", "admin"] as const satisfies ReadonlyArray<ActorName>

/** Bodies in tests are small, so the size limit is too: 64 KiB. */
export const testMaxBodyBytes = 64 * 1024

export class ApiServer extends Context.Service<ApiServer, { readonly url: string }>()("test/ApiServer") {}

const tokens = ApiTokens.layer(Object.values(actors).map(({ token, actor }) => ({ token: Redacted.make(token), actor })))

/** The server over `database`; everything lives as long as the layer. */
export const apiServerLayer = (database: Layer.Layer<Database, unknown>) => {
  const runtime = Layer.mergeAll(Producer.layer, ResultStore.layerMemory({ maxBytes: 1024 * 1024 })).pipe(
    Layer.provideMerge(runtimeLayer(RedisClient.layerMemory, RuntimeConfig.layerWith({})))
  )
  const services = Layer.merge(ServicesLayer.layerOn(database, { domains: [], background: false }), tokens).pipe(Layer.provide(runtime), Layer.orDie)
  return Layer.effect(ApiServer, Effect.gen(function*() {
    const server = yield* startHttpServer({
      port: 0,
      domains: [],
      dashboard: { token: DashboardToken.layer("dashboard-token"), api: { services, maxBodyBytes: testMaxBodyBytes } }
    })
    return { url: server.url }
  })).pipe(Layer.provide(runtime), Layer.orDie)
}

export interface Answer {
  readonly status: number
  readonly text: string
  readonly json: unknown
}

/** One request; `as` names the token (none: no Authorization header). The body is sent as given. */
export const call = (method: string, path: string, options: { readonly as?: ActorName; readonly body?: string } = {}) =>
  Effect.gen(function*() {
    const { url } = yield* ApiServer
    return yield* Effect.promise(async (): Promise<Answer> => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(options.as === undefined ? {} : { authorization: `Bearer ${actors[options.as].token}` }),
          ...(options.body === undefined ? {} : { "content-type": "application/json" })
        },
        ...(options.body === undefined ? {} : { body: options.body })
      })
      const text = await response.text()
      let json: unknown
      try {
        json = text.length > 0 ? JSON.parse(text) : undefined
      } catch {
        json = undefined
      }
      return { status: response.status, text, json }
    })
  })

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && key in value ? Object.getOwnPropertyDescriptor(value, key)?.value : undefined

/** A string field of an answer's JSON (`id`, `status`, ...). */
export const text = (answer: Answer, key: string): string => String(field(answer.json, key))
/** The `items` of a list answer. */
export const items = (answer: Answer): ReadonlyArray<unknown> => {
  const value = field(answer.json, "items")
  return Array.isArray(value) ? value : []
}
