import { Console, Effect } from "effect"
import { Argument, Command } from "effect/cli"
import { ContractError } from "../contracts/ContractError.js"
import { listSchedules, removeSchedule, type ScheduleSpec } from "../runtime/Schedules.js"
import { domainFlag } from "./flags.js"

const describe = (s: ScheduleSpec) =>
  `${s.name}\t${s.every_ms !== undefined ? `every ${s.every_ms} ms` : `cron "${s.cron ?? ""}" UTC`}\tuser ${s.user_id}\t${JSON.stringify(s.payload)}`

const listCommand = Command.make("list", { domain: domainFlag }, ({ domain }) =>
  Effect.gen(function*() {
    const { schedules, unreadable, setAside } = yield* listSchedules(domain)
    if (schedules.length === 0 && unreadable.length === 0 && setAside.length === 0) return yield* Console.log(`no schedules in ${domain}`)
    for (const s of schedules) yield* Console.log(describe(s))
    // Entries workers skip: listed with the reason, on stderr like the unreadable ones.
    for (const { spec, reason } of setAside) yield* Console.error(`${describe(spec)}\tset aside: ${reason}`)
    for (const u of unreadable) yield* Console.error(`${u.name}\tunreadable: ${u.reason}`)
  })).pipe(Command.withDescription("List a domain's repeatable jobs"))

const removeCommand = Command.make("remove", { domain: domainFlag, name: Argument.String("name") }, ({ domain, name }) =>
  Effect.gen(function*() {
    if (!(yield* removeSchedule(domain, name))) {
      return yield* new ContractError({ contract: "schedule", message: `no schedule ${name} in domain ${domain}` })
    }
    yield* Console.log(`schedule ${name} removed; its pending occurrences were cancelled`)
  })).pipe(Command.withDescription("Stop a repeatable job and cancel its pending occurrences"))

export const schedulesCommand = Command.make("schedules").pipe(
  Command.withDescription("Repeatable jobs (created with enqueue --every or --cron)"),
  Command.withSubcommands([listCommand, removeCommand])
)
