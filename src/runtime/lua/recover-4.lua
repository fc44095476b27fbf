#!lua
--[[
  Returns jobs whose lease expired (their worker died or stalled) to the queue, or to the
  dead-letter set when they are out of attempts, with the lifecycle event that says so.
  Any worker may run it; it needs no leader because it is atomic.

  KEYS[1] active set   KEYS[2] wait list   KEYS[3] dead set   KEYS[4] events log stream
  ARGV[1] job key prefix   ARGV[2] domain   ARGV[3] channel   ARGV[4] stream max length
  ARGV[5] max jobs per call   ARGV[6] updated_at (ISO 8601)   ARGV[7] retention ms (0 = keep)
  A job whose cancellation was requested is failed (error_kind user) instead of run again.
  A queue key of the wrong type is set aside first (see guard.lua); an events log of the wrong
  type refuses the whole sweep (error reply naming the key) before anything is written.
  Without allow-oom: under maxmemory with noeviction Redis refuses the script before it starts.
  Returns: { requeued ids, dead ids, cancelled ids, problems }
]]
--@include now.lua
--@include json.lua
--@include emit.lua
--@include failed_event.lua
--@include guard.lua
local prefix, domain, channel, maxlen, limit, updated_at = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local retention = tonumber(ARGV[7]) or 0
local now = now_ms()
local requeued, dead, cancelled, problems = {}, {}, {}, {}
-- Checked before anything is written or set aside: a sweep that could not log its events would
-- leave jobs half-moved.
local events_problem = wrong_type(KEYS[4], 'stream')
if events_problem then
  return redis.error_reply(events_problem)
end
for i, expected in ipairs({ 'zset', 'list', 'zset' }) do
  local problem = guard_type(KEYS[i], expected, now)
  if problem then
    problems[#problems + 1] = problem
  end
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[1], id)
  local key = prefix .. id
  -- A record overwritten with another type cannot be recovered; dropping it keeps the sweep going.
  local f = redis.call('TYPE', key).ok ~= 'hash' and {} or redis.call('HMGET', key, 'attempt', 'max_attempts', 'user_id', 'progress', 'status', 'cancel_requested')
  if f[5] == 'processing' and f[6] == '1' then
    local message = 'cancelled by request (its worker stopped before it could)'
    redis.call('HSET', key, 'status', 'failed', 'error', message, 'error_kind', 'user', 'message', message,
      'last_error', message, 'updated_at', updated_at, 'execution_id', '')
    if retention > 0 then
      redis.call('PEXPIRE', key, retention)
    end
    emit(KEYS[4], maxlen, channel, failed_event(domain, id, f[3], 'user', message))
    cancelled[#cancelled + 1] = id
  elseif f[5] == 'processing' then
    local attempt, max_attempts = tonumber(f[1]) or 0, tonumber(f[2]) or 1
    local common = '"domain":' .. json_quote(domain) .. ',"job_id":' .. json_quote(id) .. ',"user_id":' .. json_integer(f[3])
    if attempt >= max_attempts then
      local message = 'lease expired on attempt ' .. attempt .. ' of ' .. max_attempts .. '; moved to dead letter'
      redis.call('HSET', key, 'status', 'failed', 'error', message, 'error_kind', 'system', 'message', message,
        'last_error', message, 'updated_at', updated_at, 'execution_id', '')
      redis.call('ZADD', KEYS[3], now, id)
      emit(KEYS[4], maxlen, channel, '{"type":' .. json_quote(domain .. '.job.failed.v1') .. ',' .. common ..
        ',"error_kind":"system","message":' .. json_quote(message) .. '}')
      dead[#dead + 1] = id
    else
      local message = 'lease expired on attempt ' .. attempt .. ' of ' .. max_attempts .. '; requeued'
      redis.call('HSET', key, 'status', 'queued', 'message', message, 'last_error', message,
        'updated_at', updated_at, 'execution_id', '')
      redis.call('RPUSH', KEYS[2], id)
      emit(KEYS[4], maxlen, channel, '{"type":' .. json_quote(domain .. '.job.progress.v1') .. ',' .. common ..
        ',"progress":' .. json_integer(f[4]) .. ',"message":' .. json_quote(message) .. '}')
      requeued[#requeued + 1] = id
    end
  end
end
return { requeued, dead, cancelled, problems }
