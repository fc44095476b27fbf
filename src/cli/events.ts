import { Console, Effect, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { EventBus } from "../runtime/EventBus.js"
import { domainFlag } from "./flags.js"

export const eventsCommand = Command.make("events", {
  domain: domainFlag,
  from: Flag.String("from").pipe(
    Flag.withDescription("Replay the event log from this position (0 = everything kept) before going live (default: live events only)"),
    Flag.optional
  )
}, ({ domain, from }) =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    yield* bus.subscribeRaw(domain, Option.isSome(from) ? { from: from.value } : undefined).pipe(
      Stream.runForEach((event) => Console.log(event.json))
    )
  })).pipe(Command.withDescription("Print every event on {domain}:events as one raw JSON line"))
