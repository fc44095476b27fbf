-- Whether a queue entry is well-formed UTF-8. One that is not reaches the worker mended (U+FFFD),
-- so its changes would name another record and the job could never complete.
local function valid_utf8(s)
  if not string.find(s, '[\128-\255]') then return true end
  local i, n = 1, #s
  while i <= n do
    local c, len = string.byte(s, i), 0
    if c < 0x80 then len = 1
    elseif c >= 0xC2 and c <= 0xDF then len = 2
    elseif c >= 0xE0 and c <= 0xEF then len = 3
    elseif c >= 0xF0 and c <= 0xF4 then len = 4
    else return false end
    for j = i + 1, i + len - 1 do
      local b = string.byte(s, j)
      if not b or b < 0x80 or b > 0xBF then return false end
    end
    -- Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    local b2 = string.byte(s, i + 1) or 0
    if (c == 0xE0 and b2 < 0xA0) or (c == 0xED and b2 > 0x9F) or (c == 0xF0 and b2 < 0x90) or (c == 0xF4 and b2 > 0x8F) then
      return false
    end
    i = i + len
  end
  return true
end

-- A stored user_id as the decimal text of a signed 64-bit integer, or nil. Read as seed 000's
-- parse_int_field reads it (surrounding spaces and leading zeros allowed) and carried as text:
-- a Lua number is a double, exact only up to 2^53.
local function user_id_text(s)
  local sign, digits = string.match(s, '^%s*(%-?)0*(%d+)%s*$')
  if not digits or #digits > 19 then return nil end
  if #digits == 19 and digits > (sign == '-' and '9223372036854775808' or '9223372036854775807') then return nil end
  return digits == '0' and '0' or sign .. digits
end

-- Claims up to `max` ready jobs for one worker: each becomes `processing` with a new execution
-- id and a lease in the active set, and its started event is emitted here, so a job costs no
-- separate round trip to say it started. Delayed jobs that are due are promoted first.
-- Entries that cannot be run (no record, wrong type, no payload, an id that is not UTF-8) are
-- moved aside to the invalid list instead of stopping the worker; ids whose record is no longer
-- queued (cancelled while waiting, duplicates) are dropped. A record with an unknown status, and a queue key of the
-- wrong type, are set aside and reported too. Needs now.lua, guard.lua, json.lua, emit.lua.
--   keys: { wait, active, delayed, invalid, events log }
--   claimed: gets 11 values per job: job_id, execution_id, attempt, user_id, payload, max_attempts,
--            backoff_ms, retry_on, traceparent, correlation_id, parent_job_id ('' when the record has none)
--   invalid: gets 2 values per entry: raw entry, reason
-- A record whose user_id is missing or not a signed 64-bit integer is set aside like one without
-- a payload, so every claimed job has its started event and an exact user_id.
-- Returns, when fewer than `max` jobs were ready, the ms until the earliest delayed job is due
-- (false if none): the worker's idle wait wakes for it without asking Redis again.
local function claim_jobs(keys, prefix, max, lease, worker, updated_at, domain, channel, maxlen, now, claimed, invalid)
  local started_head = '{"type":' .. json_quote(domain .. '.job.started.v1') .. ',"domain":' .. json_quote(domain) .. ',"job_id":'
  local started_tail = ',"queue":' .. json_quote(domain) .. '}'
  -- A queue key of the wrong type is found by the command that fails on it, not by a TYPE per call.
  local function report(key, problem)
    invalid[#invalid + 1] = key
    invalid[#invalid + 1] = problem
  end

  local due = call_guarded(report, keys[3], 'zset', now, 'ZRANGEBYSCORE', keys[3], '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    redis.call('ZREM', keys[3], id)
    call_guarded(report, keys[1], 'list', now, 'LPUSH', keys[1], id)
  end

  local function set_aside(entry, reason)
    call_guarded(report, keys[4], 'list', now, 'LPUSH', keys[4], entry .. '\t' .. reason)
    redis.call('LTRIM', keys[4], 0, 9999)
    invalid[#invalid + 1] = entry
    invalid[#invalid + 1] = reason
  end

  local count = 0
  while count < max do
    local id = call_guarded(report, keys[1], 'list', now, 'RPOP', keys[1])
    if not id then break end
    local key = prefix .. id
    local bad_id = not valid_utf8(id)
    -- One read for a good record; the key's type is looked up only to explain a bad one.
    local fields = bad_id and {} or redis.pcall('HMGET', key, 'status', 'user_id', 'payload', 'max_attempts', 'backoff_ms', 'retry_on', 'attempt', 'traceparent',
      'correlation_id', 'parent_job_id')
    local kind = (fields.err or not fields[1]) and redis.call('TYPE', key).ok or 'hash'
    if bad_id then
      set_aside(id, 'job id is not valid UTF-8')
    elseif kind ~= 'hash' then
      set_aside(id, kind == 'none' and ('no record at ' .. key) or ('record at ' .. key .. ' is a ' .. kind .. ', not a hash'))
    else
      local status = fields[1]
      if status ~= 'queued' and status ~= 'processing' and status ~= 'completed' and status ~= 'failed' then
        set_aside(id, 'record at ' .. key .. ' has ' .. (status and ('an unknown status "' .. status .. '"') or 'no status'))
      elseif status == 'queued' then
        -- Checked before any write to the record: a script error would leave the popped id nowhere.
        local bad_attempt = fields[7] and not string.match(fields[7], '^%d+$')
        local user_id = fields[2] and user_id_text(fields[2])
        if not fields[3] or not user_id or bad_attempt then
          local what = bad_attempt and ('a non-integer attempt "' .. fields[7] .. '"')
            or (fields[3] and fields[2]) and ('a user_id that is not a signed 64-bit integer: "' .. string.sub(fields[2], 1, 64) .. '"')
            or ('no ' .. (fields[3] and 'user_id' or 'payload'))
          set_aside(id, 'record at ' .. key .. ' has ' .. what)
          redis.call('HSET', key, 'status', 'failed', 'error', 'unreadable job record', 'updated_at', updated_at)
        else
          local attempt = tonumber(fields[7] or '0') + 1
          local execution = worker .. '/' .. attempt
          local max_attempts = fields[4] or '1'
          local message = attempt > 1 and ('started (attempt ' .. string.format('%d', attempt) .. ' of ' .. max_attempts .. ')') or 'started'
          redis.call('HSET', key, 'status', 'processing', 'attempt', string.format('%d', attempt), 'execution_id', execution, 'worker', worker,
            'updated_at', updated_at, 'next_run_at', '', 'message', message)
          call_guarded(report, keys[2], 'zset', now, 'ZADD', keys[2], now + lease, id)
          emit(keys[5], maxlen, channel, started_head .. json_quote(id) .. ',"user_id":' .. user_id .. started_tail)
          count = count + 1
          claimed[#claimed + 1] = id
          claimed[#claimed + 1] = execution
          claimed[#claimed + 1] = attempt
          claimed[#claimed + 1] = user_id
          claimed[#claimed + 1] = fields[3]
          claimed[#claimed + 1] = max_attempts
          claimed[#claimed + 1] = fields[5] or '0'
          claimed[#claimed + 1] = fields[6] or 'system'
          claimed[#claimed + 1] = fields[8] or ''
          claimed[#claimed + 1] = fields[9] or ''
          claimed[#claimed + 1] = fields[10] or ''
        end
      end
    end
  end
  if count < max then
    local next_delayed = redis.call('ZRANGE', keys[3], 0, 0, 'WITHSCORES')
    if next_delayed[2] then return math.max(1, math.ceil(tonumber(next_delayed[2]) - now)) end
  end
  return false
end
