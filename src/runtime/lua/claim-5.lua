--[[
  Claims up to `max` ready jobs for one worker: each becomes `processing` with a new
  execution id and a lease in the active set. Delayed jobs that are due are promoted first.
  Entries that cannot be run (no record, wrong type, no payload) are moved aside to the
  invalid list instead of stopping the worker; ids whose record is no longer queued
  (cancelled while waiting, duplicates) are dropped. A record with an unknown status, and a
  queue key of the wrong type, are set aside and reported too.
  Each claimed job's started event is emitted here, in the same script as the claim, so a
  job costs no separate round trip to say it started.

  KEYS[1] wait list   KEYS[2] active sorted set   KEYS[3] delayed sorted set   KEYS[4] invalid list
  KEYS[5] events log stream
  ARGV[1] job key prefix   ARGV[2] max jobs   ARGV[3] lease ms   ARGV[4] worker id   ARGV[5] updated_at (ISO 8601)
  ARGV[6] domain (event type prefix and queue name)   ARGV[7] channel   ARGV[8] stream max length
  Events: {domain}.job.started.v1 per claimed job whose user_id is an integer (the worker fails
  the others as bad records).
  Returns: { claimed, invalid }
    claimed: 8 values per job: job_id, execution_id, attempt, user_id, payload, max_attempts, backoff_ms, retry_on
    invalid: 2 values per entry: raw entry, reason
]]
--@include now.lua
--@include guard.lua
--@include json.lua
--@include emit.lua
local prefix, max, lease, worker, updated_at = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local domain, channel, maxlen = ARGV[6], ARGV[7], ARGV[8]
local started_head = '{"type":' .. json_quote(domain .. '.job.started.v1') .. ',"domain":' .. json_quote(domain) .. ',"job_id":'
local started_tail = ',"queue":' .. json_quote(domain) .. '}'
local now = now_ms()
local claimed, invalid = {}, {}
for i, expected in ipairs({ 'list', 'zset', 'zset', 'list' }) do
  local problem = guard_type(KEYS[i], expected, now)
  if problem then
    invalid[#invalid + 1] = KEYS[i]
    invalid[#invalid + 1] = problem
  end
end

local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[3], id)
  redis.call('LPUSH', KEYS[1], id)
end

local function set_aside(entry, reason)
  redis.call('LPUSH', KEYS[4], entry .. '\t' .. reason)
  redis.call('LTRIM', KEYS[4], 0, 9999)
  invalid[#invalid + 1] = entry
  invalid[#invalid + 1] = reason
end

while #claimed < max * 8 do
  local id = redis.call('RPOP', KEYS[1])
  if not id then break end
  local key = prefix .. id
  local kind = redis.call('TYPE', key).ok
  if kind ~= 'hash' then
    set_aside(id, kind == 'none' and ('no record at ' .. key) or ('record at ' .. key .. ' is a ' .. kind .. ', not a hash'))
  else
    local fields = redis.call('HMGET', key, 'status', 'user_id', 'payload', 'max_attempts', 'backoff_ms', 'retry_on', 'attempt')
    local status = fields[1]
    if status ~= 'queued' and status ~= 'processing' and status ~= 'completed' and status ~= 'failed' then
      set_aside(id, 'record at ' .. key .. ' has ' .. (status and ('an unknown status "' .. status .. '"') or 'no status'))
    elseif status == 'queued' then
      -- Checked before any write to the record: a script error would leave the popped id nowhere.
      local bad_attempt = fields[7] and not string.match(fields[7], '^%d+$')
      if not fields[3] or not fields[2] or bad_attempt then
        local what = bad_attempt and ('a non-integer attempt "' .. fields[7] .. '"') or ('no ' .. (fields[3] and 'user_id' or 'payload'))
        set_aside(id, 'record at ' .. key .. ' has ' .. what)
        redis.call('HSET', key, 'status', 'failed', 'error', 'unreadable job record', 'updated_at', updated_at)
      else
        local attempt = redis.call('HINCRBY', key, 'attempt', 1)
        local execution = worker .. '/' .. attempt
        local max_attempts = fields[4] or '1'
        local message = attempt > 1 and ('started (attempt ' .. attempt .. ' of ' .. max_attempts .. ')') or 'started'
        redis.call('HSET', key, 'status', 'processing', 'execution_id', execution, 'worker', worker,
          'updated_at', updated_at, 'next_run_at', '', 'message', message)
        redis.call('ZADD', KEYS[2], now + lease, id)
        local user_id = tonumber(fields[2])
        if user_id and user_id == math.floor(user_id) and math.abs(user_id) < 1e15 then
          emit(KEYS[5], maxlen, channel,
            started_head .. json_quote(id) .. ',"user_id":' .. string.format('%d', user_id) .. started_tail)
        end
        claimed[#claimed + 1] = id
        claimed[#claimed + 1] = execution
        claimed[#claimed + 1] = attempt
        claimed[#claimed + 1] = fields[2]
        claimed[#claimed + 1] = fields[3]
        claimed[#claimed + 1] = max_attempts
        claimed[#claimed + 1] = fields[5] or '0'
        claimed[#claimed + 1] = fields[6] or 'system'
      end
    end
  end
end
return { claimed, invalid }
