/**
 * Lua run once in a fresh engine: the `redis` and `cjson` libraries, Redis's reply conversions
 * and the read-only script globals. Bridge functions (`__bridge_*`) are set from JS before it
 * runs and captured as locals here, so scripts cannot reach them.
 */
export const luaPrelude = String.raw`
-- redis.call / redis.pcall are the JS functions themselves: as C functions they keep the
-- calling script's frame even in "return redis.call(...)", so errors can name the line.
local bridge_call, bridge_pcall = __bridge_call, __bridge_pcall
local bridge_sha1 = __bridge_sha1
local bridge_json_decode = __bridge_json_decode
local bridge_tape = __bridge_tape
local compat = __compat
__bridge_call, __bridge_pcall, __bridge_sha1, __bridge_json_decode, __bridge_tape, __compat = nil, nil, nil, nil, nil, nil

local raw_pcall, raw_xpcall = pcall, xpcall
-- wasmoon hands strings to JS as UTF-8 C strings: cut at the first NUL, invalid bytes replaced.
-- Refuse those instead of corrupting them.
local NUL_ERROR = "ERR the in-memory Lua engine cannot pass strings containing NUL bytes"
local BYTES_ERROR = "ERR the in-memory Lua engine cannot pass strings that are not UTF-8"
local function text_problem(text)
  if text:find("\0", 1, true) ~= nil then return NUL_ERROR end
  if utf8.len(text) == nil then return BYTES_ERROR end
  return nil
end
local redis_error_mt = {}

-- A Redis error raised from Lua; pcall turns it into its message, as Redis 7.0 does.
local function raise(message)
  error(setmetatable({ err = message }, redis_error_mt), 0)
end

local function error_message(e)
  if type(e) == "table" and type(e.err) == "string" then return e.err end
  return e
end

local function wrap_pcall_result(ok, ...)
  if ok then return ok, ... end
  return false, error_message((...))
end

local function script_pcall(f, ...)
  return wrap_pcall_result(raw_pcall(f, ...))
end

local function script_xpcall(f, handler, ...)
  return raw_xpcall(f, function(e) return handler(error_message(e)) end, ...)
end

-- Lua value -> Redis reply. Primitives go back as they are (nil as false); a table is written
-- as a flat tape of tags and values (* count, $ bulk, : integer, + status, - error, _ nil) handed
-- to JS in chunks, because passing primitives is far cheaper than converting tables.
-- C's (long long) cast as Redis applies it: out of range and NaN become the minimum integer.
local function integer_of(value)
  if value ~= value then return math.mininteger end
  local truncated = value >= 0 and math.floor(value) or math.ceil(value)
  return math.tointeger(truncated) or math.mininteger
end

local function write_tape(value, tape, n)
  local kind = type(value)
  if kind == "string" then
    local problem = text_problem(value)
    if problem ~= nil then error(problem, 0) end
    tape[n + 1], tape[n + 2] = "$", value
    return n + 2
  elseif kind == "number" then
    tape[n + 1], tape[n + 2] = ":", string.format("%d", integer_of(value))
    return n + 2
  elseif kind == "boolean" then
    if value then
      tape[n + 1], tape[n + 2] = ":", 1
      return n + 2
    end
  elseif kind == "table" then
    if type(value.err) == "string" then
      tape[n + 1], tape[n + 2] = "-", value.err
      return n + 2
    elseif type(value.ok) == "string" then
      tape[n + 1], tape[n + 2] = "+", value.ok
      return n + 2
    end
    local count = 0
    while value[count + 1] ~= nil do count = count + 1 end
    tape[n + 1], tape[n + 2] = "*", count
    n = n + 2
    for i = 1, count do n = write_tape(value[i], tape, n) end
    return n
  end
  tape[n + 1] = "_"
  return n + 1
end

local function to_reply(value)
  local kind = type(value)
  if kind == "string" then
    local problem = text_problem(value)
    if problem ~= nil then return { failed = { err = problem } } end
    return value
  end
  -- Through the tape as digits: an int64 crossing into JS as a number could lose its last ones.
  if kind == "number" then bridge_tape(":", string.format("%d", integer_of(value))); return true end
  if kind == "boolean" then return value and 1 or false end
  if kind ~= "table" then return false end
  local tape = {}
  local ok, n = raw_pcall(write_tape, value, tape, 0)
  if not ok then return { failed = { err = tostring(n) } } end
  for first = 1, n, 4000 do bridge_tape(table.unpack(tape, first, math.min(n, first + 3999))) end
  return true
end

local json_null = setmetatable({}, { __tostring = function() return "userdata: NULL" end })

local function json_escape(text)
  return '"' .. text:gsub('[%c"\\]', function(c)
    local named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\b"] = "\\b", ["\f"] = "\\f" }
    return named[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function json_encode(value)
  local kind = type(value)
  if value == json_null or value == nil then return "null" end
  if kind == "boolean" then return tostring(value) end
  if kind == "number" then
    if math.type(value) == "integer" then return string.format("%d", value) end
    if value ~= value or value == math.huge or value == -math.huge then raise("ERR Cannot serialise number: must not be NaN or Inf") end
    return string.format("%.14g", value)
  end
  if kind == "string" then return json_escape(value) end
  if kind ~= "table" then raise("ERR Cannot serialise " .. kind .. ": type not supported") end
  local max, count = 0, 0
  for k in pairs(value) do
    count = count + 1
    if math.type(k) == "integer" and k > 0 then
      if k > max then max = k end
    else
      max = -1
      break
    end
  end
  if count > 0 and max > 0 then
    local parts = {}
    for i = 1, max do parts[i] = json_encode(value[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local parts = {}
  for k, v in pairs(value) do parts[#parts + 1] = json_escape(tostring(k)) .. ":" .. json_encode(v) end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function restore_nulls(value)
  if type(value) ~= "table" then return value end
  if value.__json_null == true then return json_null end
  for k, v in pairs(value) do value[k] = restore_nulls(v) end
  return value
end

local function json_decode(text)
  if type(text) ~= "string" then raise("ERR cjson.decode expects a string") end
  local decoded = bridge_json_decode(text)
  if type(decoded) == "table" and decoded.__json_error ~= nil then error(decoded.__json_error, 2) end
  return restore_nulls(decoded)
end

local redis_lib = {
  call = bridge_call,
  pcall = bridge_pcall,
  error_reply = function(message)
    if type(message) ~= "string" then raise("ERR wrong number or type of arguments") end
    if not message:find(" ") then message = "ERR " .. message end
    return { err = message }
  end,
  status_reply = function(message) return { ok = message } end,
  sha1hex = function(text) return bridge_sha1(tostring(text)) end,
  log = function() end,
  setresp = function() end,
  set_repl = function() end,
  replicate_commands = function() return true end,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
}

-- The globals a script sees: read-only; unknown names are errors, as in Redis 7.0.
-- Library tables are read-only to scripts, as in Redis 7.0; pairs and # still see their contents.
local function readonly(source)
  return setmetatable({}, {
    __index = source,
    __newindex = function() error("Attempt to modify a readonly table", 2) end,
    __pairs = function() return next, source, nil end,
    __len = function() return #source end,
    __metatable = false,
  })
end

-- Method calls on strings ("%d"):format(x) use the same 5.1-style library.
getmetatable("").__index = compat.string

local base = {
  redis = readonly(redis_lib),
  cjson = readonly({ encode = json_encode, decode = json_decode, null = json_null }),
  string = readonly(compat.string), table = readonly(compat.table), math = readonly(compat.math),
  bit = readonly(compat.bit), coroutine = readonly(coroutine),
  assert = assert, ipairs = ipairs, pairs = pairs, next = next, select = select,
  tonumber = tonumber, tostring = compat.tostring, type = type, unpack = table.unpack,
  gcinfo = function() return collectgarbage("count") end, collectgarbage = collectgarbage, _VERSION = "Lua 5.1",
  rawget = rawget, rawset = rawset, rawequal = rawequal, rawlen = rawlen,
  setmetatable = setmetatable, getmetatable = getmetatable,
  pcall = script_pcall, xpcall = script_xpcall,
  error = function(message, level)
    level = level or 1
    if type(message) == "number" then message = compat.tostring(message) end
    if level > 0 then level = level + 1 end
    error(message, level)
  end,
  KEYS = {}, ARGV = {},
}
base._G = base

-- load/loadstring compile text only, into the same read-only globals.
local sandbox
local function load_text(chunk, name)
  if type(chunk) ~= "string" then return nil, "only text chunks can be loaded" end
  return load(chunk, name or "=(load)", "t", sandbox)
end
base.load, base.loadstring = load_text, load_text

sandbox = setmetatable({}, {
  __index = function(_, name)
    local value = base[name]
    if value == nil then error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2) end
    return value
  end,
  __newindex = function() error("Attempt to modify a readonly table", 2) end,
  __metatable = false,
})

local scripts = {}

-- Compiles a script; returns "" on success or the compile error.
function __load_script(sha, source)
  local compiled, problem = load(source, "@user_script", "t", sandbox)
  if compiled == nil then return problem end
  scripts[sha] = compiled
  return ""
end

function __has_script(sha) return scripts[sha] ~= nil end

function __flush_scripts() scripts = {} end

-- Lua 5.4 words runtime errors as "attempt to index a nil value (local 't')"; 5.1, which
-- Redis runs, as "attempt to index local 't' (a nil value)".
local function as_lua51_message(message)
  return (message:gsub("attempt to ([%w ]-) an? (%w+) value %((%w+) '([^']*)'%)", "attempt to %1 %3 '%4' (a %2 value)"))
end

local function user_line()
  for level = 2, 64 do
    local info = debug.getinfo(level, "Sl")
    if info == nil then return nil end
    if info.source == "@user_script" then return info.currentline end
  end
end

-- Runs a loaded script (KEYS and ARGV as varargs or as two tables); returns its reply as to_reply gives it, a raised error as {failed={err=, line=}}.
function __run_script(sha, key_count, ...)
  local keys, argv = {}, {}
  for i = 1, select("#", ...) do
    if i <= key_count then keys[i] = (select(i, ...)) else argv[i - key_count] = (select(i, ...)) end
  end
  return __run_script_tables(sha, keys, argv)
end

function __run_script_tables(sha, keys, argv)
  base.KEYS, base.ARGV = keys, argv
  local ok, result = raw_xpcall(scripts[sha], function(e)
    local line = user_line()
    if type(e) == "table" and type(e.err) == "string" then return { failed = { err = e.err, line = line } } end
    return { failed = { err = "ERR " .. as_lua51_message(tostring(e)), line = line } }
  end)
  if ok then return to_reply(result) end
  return result
end
`
