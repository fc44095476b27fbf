/**
 * Seeded random command sequences over a small keyspace, so that commands hit every kind of
 * key (including the wrong kind) and odd arguments: used to compare two layers reply by reply.
 */
export const makeRandom = (seed: number) => {
  let state = seed
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
  const pick = <A>(items: ReadonlyArray<A>): A => {
    const item = items[Math.floor(next() * items.length)]
    if (item === undefined) throw new Error("pick from an empty list")
    return item
  }
  const int = (lo: number, hi: number) => String(lo + Math.floor(next() * (hi - lo + 1)))
  const maybe = (chance: number, items: ReadonlyArray<string>): Array<string> => (next() < chance ? [...items] : [])
  return { next, pick, int, maybe }
}

const KEYS = ["a", "b", "l", "h", "z", "s", "x"]
const VALUES = ["v", "w", "1", "2", "-3", "x y", "10", "1.5", "", "9223372036854775807"]
const SCORES = ["1", "2", "2.5", "-1", "0", "+inf", "-inf", "3", "1e2", "0.1", "nan", "x"]
const BOUNDS = ["-inf", "+inf", "1", "(1", "2", "(2.5", "3", "x", "(", "0"]
const MEMBERS = ["m", "n", "o", "p"]
const LEX = ["-", "+", "[m", "(m", "[n", "(o", "[p", "x", "[", "("]

const SCRIPTS = [
  "return redis.call('type', KEYS[1])",
  "local v = redis.call('get', KEYS[1]); if v then return v .. '!' end; return false",
  "return redis.pcall('incr', KEYS[1])",
  "return {redis.call('exists', KEYS[1]), redis.call('llen', 'l') > 0}",
  "return redis.call('zrange', KEYS[1], 0, -1, 'WITHSCORES')",
  "return redis.call('hgetall', KEYS[1])",
  "local n = redis.call('zcard', KEYS[1]); return {n, tostring(n / 2), n * 1.5}"
]

/**
 * A random command; one in four runs inside a script through redis.pcall, so every reply
 * shape also crosses Redis → Lua → Redis.
 */
export const randomCommand = (random: ReturnType<typeof makeRandom>): Array<string> => {
  const command = plainCommand(random)
  return random.next() < 0.25 && command[0] !== "EVAL"
    ? ["EVAL", "return redis.pcall(unpack(ARGV))", "0", ...command]
    : command
}

const plainCommand = (random: ReturnType<typeof makeRandom>): Array<string> => {
  const { pick, int, maybe } = random
  const k = pick(KEYS)
  const value = () => pick(VALUES)
  const command = pick([
    "GET", "SET", "SETX", "INCR", "INCRBY", "DECR", "DEL", "EXISTS", "TYPE", "MGET", "GETDEL", "STRLEN",
    "HSET", "HSETNX", "HGET", "HDEL", "HGETALL", "HINCRBY", "HLEN", "HMGET", "HEXISTS",
    "LPUSH", "RPUSH", "LPUSHX", "LPOP", "RPOP", "LRANGE", "LTRIM", "LREM", "LINDEX", "LSET", "LMOVE", "LLEN", "RPOPLPUSH",
    "SADD", "SREM", "SCARD", "SISMEMBER", "SMISMEMBER",
    "ZADD", "ZREM", "ZSCORE", "ZMSCORE", "ZRANK", "ZREVRANK", "ZINCRBY", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE",
    "ZCOUNT", "ZREMRANGEBYSCORE", "ZREMRANGEBYRANK", "ZREVRANGE", "ZPOPMIN", "ZPOPMAX", "ZCARD",
    "XADD", "XRANGE", "XREVRANGE", "XLEN", "XTRIM", "XDEL", "XREAD", "EVAL", "DBSIZE",
    "RENAME", "RENAMENX", "SETNX", "SETEX", "GETSET", "APPEND",
    "EXPIRE", "PEXPIRE", "PERSIST", "TTL", "PTTL", "KEYS", "SMEMBERS", "SMEMBERS_ORDERED", "BLOCKING",
    "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT", "ZREMRANGEBYLEX", "ZRANGE_BYLEX"
  ])
  switch (command) {
    case "SET":
      return ["SET", k, value(), ...maybe(0.5, [pick(["NX", "XX", "GET", "KEEPTTL"])])]
    case "SETNX": case "GETSET": case "APPEND":
      return [command, k, value()]
    case "EXPIRE":
      return ["EXPIRE", k, pick(["100", "0", "-1", "x", "200"]), ...maybe(0.4, [pick(["NX", "XX", "GT", "LT"])])]
    case "PEXPIRE":
      return ["PEXPIRE", k, pick(["100000", "50000", "x"])]
    case "SMEMBERS_ORDERED":
      // Only integer sets have an order Redis promises (the intset); compared unsorted.
      return ["EVAL", "redis.call('del', KEYS[1]); redis.call('sadd', KEYS[1], '10', '-2', '3', '7'); return redis.call('smembers', KEYS[1])", "1", `ints:${k}`]
    case "ZRANGEBYLEX": case "ZLEXCOUNT": case "ZREMRANGEBYLEX":
      return [command, k, pick(LEX), pick(LEX), ...(command === "ZRANGEBYLEX" ? maybe(0.3, ["LIMIT", int(-1, 2), int(-1, 2)]) : [])]
    case "ZREVRANGEBYLEX":
      return [command, k, pick(LEX), pick(LEX)]
    case "ZRANGE_BYLEX":
      return ["ZRANGE", k, pick(LEX), pick(LEX), "BYLEX", ...maybe(0.4, ["REV"]), ...maybe(0.3, ["LIMIT", int(0, 2), int(-1, 2)]), ...maybe(0.1, ["WITHSCORES"])]
    case "KEYS":
      return ["KEYS", pick(["*", "[a-l]", "?", "h*", "x"])]
    case "BLOCKING": {
      // Short timeouts: these mostly find data; when they do not, both sides wait 10 ms.
      if (random.next() > 0.15) return ["LLEN", k]
      return pick([
        ["BLPOP", k, pick(KEYS), "0.01"],
        ["BRPOP", k, "0.01"],
        ["BLMOVE", k, pick(KEYS), pick(["LEFT", "RIGHT"]), pick(["LEFT", "RIGHT"]), "0.01"],
        ["BZPOPMIN", k, pick(KEYS), "0.01"],
        ["BZPOPMAX", k, "0.01"],
        ["BRPOPLPUSH", k, pick(KEYS), "0.01"]
      ])
    }
    case "SETEX":
      return ["SETEX", k, pick(["100", "0", "x"]), value()]
    case "SETX":
      return ["SET", k, value(), pick(["EX", "PX", "NX", "XX", "GET"]), pick(["100", "0", "-1", "x", "1000"])]
    case "INCRBY":
      return ["INCRBY", k, pick(["1", "-2", "x", "9223372036854775807", "1.5"])]
    case "DEL": case "EXISTS": case "MGET": case "RPOPLPUSH": case "RENAME": case "RENAMENX":
      return [command, k, pick(KEYS)]
    case "HSET":
      return ["HSET", k, pick(["f", "g", "h"]), value(), ...maybe(0.3, ["g", value()])]
    case "HSETNX":
      return ["HSETNX", k, pick(["f", "g"]), value()]
    case "HGET": case "HEXISTS":
      return [command, k, pick(["f", "g", "h"])]
    case "HDEL":
      return ["HDEL", k, pick(["f", "g", "h"]), pick(["f", "g"])]
    case "HINCRBY":
      return ["HINCRBY", k, pick(["f", "n"]), pick(["1", "-5", "x", "9223372036854775807"])]
    case "HMGET":
      return ["HMGET", k, "f", "g", "n"]
    case "LPUSH": case "RPUSH": case "LPUSHX": case "SADD": case "SREM":
      return [command, k, value(), ...maybe(0.5, [value()])]
    case "LPOP": case "RPOP":
      return [command, k, ...maybe(0.5, [pick(["0", "1", "2", "5", "-1", "x"])])]
    case "LRANGE": case "LTRIM":
      return [command, k, int(-4, 3), int(-3, 5)]
    case "LREM":
      return ["LREM", k, int(-2, 2), value()]
    case "LINDEX":
      return ["LINDEX", k, int(-4, 4)]
    case "LSET":
      return ["LSET", k, int(-3, 3), value()]
    case "LMOVE":
      return ["LMOVE", k, pick(KEYS), pick(["LEFT", "RIGHT"]), pick(["LEFT", "RIGHT", "UP"])]
    case "SISMEMBER":
      return [command, k, value()]
    case "SMISMEMBER":
      return [command, k, value(), value()]
    case "ZADD": {
      const flags = maybe(0.5, [pick(["NX", "XX", "GT", "LT", "CH", "INCR"])])
      return ["ZADD", k, ...flags, ...maybe(0.3, [pick(["CH", "GT", "XX"])]), pick(SCORES), pick(MEMBERS), ...maybe(0.3, [pick(SCORES), pick(MEMBERS)])]
    }
    case "ZREM": case "ZSCORE": case "ZRANK": case "ZREVRANK":
      return [command, k, pick(MEMBERS)]
    case "ZMSCORE":
      return [command, k, "m", "n"]
    case "ZINCRBY":
      return [command, k, pick(SCORES), pick(MEMBERS)]
    case "ZRANGE": {
      const scores = maybe(0.5, ["WITHSCORES"])
      const mode = pick(["rank", "rev", "score", "revscore"])
      if (mode === "rank") return ["ZRANGE", k, int(-3, 2), int(-2, 4), ...scores]
      if (mode === "rev") return ["ZRANGE", k, int(-3, 2), int(-2, 4), "REV", ...scores]
      const limit = maybe(0.5, ["LIMIT", int(-1, 2), int(-1, 2)])
      return ["ZRANGE", k, pick(BOUNDS), pick(BOUNDS), "BYSCORE", ...(mode === "revscore" ? ["REV"] : []), ...limit, ...scores]
    }
    case "ZRANGEBYSCORE": case "ZREVRANGEBYSCORE":
      return [command, k, pick(BOUNDS), pick(BOUNDS), ...maybe(0.5, ["WITHSCORES"]), ...maybe(0.4, ["LIMIT", int(-1, 2), int(-1, 3)])]
    case "ZCOUNT": case "ZREMRANGEBYSCORE":
      return [command, k, pick(BOUNDS), pick(BOUNDS)]
    case "ZREMRANGEBYRANK": case "ZREVRANGE":
      return [command, k, int(-3, 2), int(-2, 3)]
    case "ZPOPMIN": case "ZPOPMAX":
      return [command, k, ...maybe(0.5, [pick(["0", "1", "2", "-1"])])]
    case "XADD": {
      const id = pick(["*", "*", `${int(1, 30)}-${int(0, 3)}`, int(1, 30), `${int(1, 30)}-*`, "0-0", "bad"])
      return ["XADD", k, ...maybe(0.3, ["MAXLEN", "=", int(0, 4)]), id, "f", value(), ...maybe(0.3, ["g"])]
    }
    case "XRANGE":
      return ["XRANGE", k, pick(["-", "5", "(5-0", "10-1", "0"]), pick(["+", "20", "(20-0"]), ...maybe(0.3, ["COUNT", int(-1, 3)])]
    case "XREVRANGE":
      return ["XREVRANGE", k, pick(["+", "20"]), pick(["-", "5"]), ...maybe(0.3, ["COUNT", int(0, 3)])]
    case "XTRIM":
      return ["XTRIM", k, "MAXLEN", "=", int(0, 5)]
    case "XDEL":
      return ["XDEL", k, `${int(1, 30)}-${int(0, 2)}`]
    case "XREAD":
      return ["XREAD", ...maybe(0.5, ["COUNT", int(-1, 3)]), "STREAMS", k, pick(["0", "10-0", "$"])]
    case "EVAL":
      return ["EVAL", pick(SCRIPTS), "1", k]
    case "DBSIZE":
      return ["DBSIZE"]
    default:
      return [command, k]
  }
}
