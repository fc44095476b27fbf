/**
 * Month arithmetic for the event store's partitions, in UTC (a partition's bounds are UTC month
 * starts whatever the server's or the session's time zone). A month is a number: year * 12 + month0,
 * so "the next N months" is plain addition.
 */

export type Month = number

export const monthOf = (millis: number): Month => {
  const date = new Date(millis)
  return date.getUTCFullYear() * 12 + date.getUTCMonth()
}

/** The first instant of the month, in milliseconds. */
export const monthStart = (month: Month): number => Date.UTC(Math.floor(month / 12), month % 12, 1)

const pad2 = (n: number) => String(n).padStart(2, "0")

const isoDay = (month: Month) => `${Math.floor(month / 12)}-${pad2((month % 12) + 1)}-01`

/** `telemetry_events_p202601`: readable, sortable, and parsed back by `monthOfPartition`. */
export const partitionName = (month: Month): string => `telemetry_events_p${Math.floor(month / 12)}${pad2((month % 12) + 1)}`

const partitionPattern = /^telemetry_events_p(\d{4})(\d{2})$/u

export const monthOfPartition = (name: string): Month | undefined => {
  const match = partitionPattern.exec(name)
  if (match === null) return undefined
  const month = Number(match[2]) - 1
  return month >= 0 && month < 12 ? Number(match[1]) * 12 + month : undefined
}

/**
 * The DDL of one month's partition. Built as text because DDL takes no bound parameters; every part
 * comes from integers, never from input.
 */
export const createPartitionDdl = (month: Month): string =>
  `CREATE TABLE IF NOT EXISTS ${partitionName(month)} PARTITION OF telemetry_events ` +
  `FOR VALUES FROM ('${isoDay(month)} 00:00:00+00') TO ('${isoDay(month + 1)} 00:00:00+00')`

/** A partition is expired once all of it (its upper bound) is older than the retention cut-off. */
export const isExpired = (month: Month, cutoffMillis: number): boolean => monthStart(month + 1) <= cutoffMillis
