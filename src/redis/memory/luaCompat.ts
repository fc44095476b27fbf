/**
 * Lua 5.1 behaviour that Redis scripts can see, rebuilt on wasmoon's Lua 5.4: the `bit` library,
 * number printing (5.1 prints every number with "%.14g", so 10/2 is "5", not "5.0"), string.format
 * with float arguments for %d, and the 5.1 names math.pow, math.mod, table.getn, table.maxn,
 * string.gfind (and without the 5.4-only names). Runs before luaPrelude.ts, which takes `__compat` and removes it.
 * Known gap: the `..` operator still prints floats the 5.4 way ("5.0").
 */
export const luaCompat = String.raw`
local raw_tostring, raw_format = tostring, string.format

local function tostring51(value)
  if type(value) == "number" then return raw_format("%.14g", value) end
  return raw_tostring(value)
end

local function truncate(value)
  local whole = value >= 0 and math.floor(value) or math.ceil(value)
  return math.tointeger(whole) or whole
end

-- string.format as 5.1 runs it: %s prints numbers like tostring51, integer specs accept floats.
local function format51(pattern, ...)
  local args = table.pack(...)
  local index = 0
  for spec in string.gmatch(pattern, "%%[-+ #0]*%d*%.?%d*([%a%%])") do
    if spec ~= "%" then
      index = index + 1
      local value = args[index]
      if type(value) == "number" then
        if spec == "s" then args[index] = tostring51(value)
        elseif spec:find("[dixXoc]") and math.type(value) == "float" then args[index] = truncate(value) end
      end
    end
  end
  return raw_format(pattern, table.unpack(args, 1, args.n))
end

-- A copy of a 5.4 library as 5.1 had it: 5.4-only names removed, 5.1-only names added.
local function copy(source, extra, removed)
  local out = {}
  for k, v in pairs(source) do out[k] = v end
  for k, v in pairs(extra) do out[k] = v end
  for _, name in ipairs(removed) do out[name] = nil end
  return out
end

-- LuaBitOp semantics: 32-bit operations, signed 32-bit results.
local function tobit(value)
  local whole = math.tointeger(math.floor(value + 0.5)) or 0
  whole = whole % 4294967296
  if whole >= 2147483648 then whole = whole - 4294967296 end
  return whole
end

local function u32(value) return tobit(value) % 4294967296 end

local function fold(op)
  return function(first, ...)
    local result = u32(first)
    for i = 1, select("#", ...) do result = op(result, u32((select(i, ...)))) end
    return tobit(result)
  end
end

local bit = {
  tobit = tobit,
  bnot = function(x) return tobit(~u32(x) & 0xffffffff) end,
  band = fold(function(a, b) return a & b end),
  bor = fold(function(a, b) return a | b end),
  bxor = fold(function(a, b) return a ~ b end),
  lshift = function(x, n) return tobit((u32(x) << (u32(n) % 32)) & 0xffffffff) end,
  rshift = function(x, n) return tobit(u32(x) >> (u32(n) % 32)) end,
  arshift = function(x, n) return tobit(tobit(x) >> (u32(n) % 32) | (tobit(x) < 0 and ~(0xffffffff >> (u32(n) % 32)) or 0)) end,
  rol = function(x, n) n = u32(n) % 32; return tobit(((u32(x) << n) | (u32(x) >> (32 - n))) & 0xffffffff) end,
  ror = function(x, n) n = u32(n) % 32; return tobit(((u32(x) >> n) | (u32(x) << (32 - n))) & 0xffffffff) end,
  bswap = function(x)
    local v = u32(x)
    return tobit(((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24))
  end,
  tohex = function(x, n)
    n = n or 8
    local digits = raw_format(n < 0 and "%08X" or "%08x", u32(x))
    return digits:sub(-math.min(math.abs(n), 8))
  end,
}

__compat = {
  tostring = tostring51,
  bit = bit,
  math = copy(math, { pow = function(a, b) return a ^ b end, mod = math.fmod },
    { "tointeger", "type", "ult", "maxinteger", "mininteger" }),
  table = copy(table, { getn = function(t) return #t end, maxn = function(t)
    local max = 0
    for k in pairs(t) do if type(k) == "number" and k > max then max = k end end
    return max
  end }, { "move", "pack", "unpack" }),
  string = copy(string, { gfind = string.gmatch, format = format51 }, { "pack", "packsize", "unpack" }),
}
`
