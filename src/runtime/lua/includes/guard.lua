-- A queue key holding the wrong type (written by hand, or by another program) would make every
-- script that touches it fail. It is renamed aside (`<key>:corrupt:<ms>`) and reported instead.
-- Where RENAME is unavailable (a minimal Redis implementation), a string value is kept in the
-- report and the key is deleted.
local function guard_type(key, expected, now)
  local kind = redis.call('TYPE', key).ok
  if kind == 'none' or kind == expected then
    return nil
  end
  local aside = key .. ':corrupt:' .. now
  local renamed = redis.pcall('RENAME', key, aside)
  if type(renamed) == 'table' and renamed.err then
    local value = kind == 'string' and (': "' .. string.sub(redis.call('GET', key), 1, 200) .. '"') or ''
    redis.call('DEL', key)
    return key .. ' was a ' .. kind .. ', not a ' .. expected .. '; removed' .. value
  end
  return key .. ' was a ' .. kind .. ', not a ' .. expected .. '; renamed to ' .. aside
end

-- Runs one command on a queue key, checking the key's type only when the command fails: a key
-- of the wrong type is set aside (guard_type), reported through `report(key, problem)`, and the
-- command runs again on the now empty key. Any other error is raised as it is.
-- `now` may be a function giving the time, so a caller that does not need the clock pays for it
-- only when a key is set aside.
local function call_guarded(report, key, expected, now, ...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err then
    local problem = guard_type(key, expected, type(now) == 'function' and now() or now)
    if not problem then
      error(reply.err)
    end
    report(key, problem)
    return redis.call(...)
  end
  return reply
end

-- For keys that are not set aside (the events log, which readers tail; a key a script only reads
-- from before it writes): the problem, naming the key, when it holds another type, else nil. A
-- script checks these before its first write and returns the problem as its error reply
-- (redis.error_reply), so nothing of it is applied.
local function wrong_type(key, expected)
  local kind = redis.call('TYPE', key).ok
  if kind == 'none' or kind == expected then
    return nil
  end
  return 'WRONGTYPE ' .. key .. ' is a ' .. kind .. ', not a ' .. expected .. '; nothing was written'
end
