-- Minimal JSON string quoting for events built inside a script (no cjson dependency).
local function json_quote(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == '\\' then return '\\\\' end
    if c == '\n' then return '\\n' end
    if c == '\r' then return '\\r' end
    if c == '\t' then return '\\t' end
    return string.format('\\u%04x', string.byte(c))
  end)
  return '"' .. s .. '"'
end

-- A stored field as a JSON integer, exactly as stored when it is one; anything else (garbage, and
-- "nan", "inf" or "1e999", which tonumber accepts and which would print as invalid JSON) is 0.
local function json_integer(text)
  if text == '0' or (type(text) == 'string' and string.match(text, '^%-?[1-9]%d*$')) then
    return text
  end
  return '0'
end
