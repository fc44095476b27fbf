#!lua flags=allow-oom
--[[
  Renews the leases of a worker's running jobs in one call. A job whose execution id
  changed (its lease expired and another worker took it) is reported as lost. A job
  flagged `cancel_requested` is reported too, so a worker that missed the cancel
  control message still stops it.

  KEYS[1] active sorted set
  ARGV[1] job key prefix   ARGV[2] lease ms   then pairs: job_id, execution_id
  Returns: { lost ids, cancel-requested ids }
  allow-oom: renewal only rescores existing members (ZADD XX), so it runs while Redis refuses
  writes under maxmemory; a live worker keeps its leases and no job runs twice because of it.
  An active set of the wrong type refuses the call (error reply naming the key).
]]
--@include now.lua
--@include guard.lua
local prefix, deadline = ARGV[1], now_ms() + tonumber(ARGV[2])
local lost, cancelled = {}, {}
local problem = wrong_type(KEYS[1], 'zset')
if problem then
  return redis.error_reply(problem)
end
for i = 3, #ARGV, 2 do
  local id, execution = ARGV[i], ARGV[i + 1]
  local key = prefix .. id
  local f = redis.call('TYPE', key).ok ~= 'hash' and {} or redis.call('HMGET', key, 'execution_id', 'cancel_requested')
  if f[1] == execution and redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], 'XX', deadline, id)
    if f[2] == '1' then
      cancelled[#cancelled + 1] = id
    end
  else
    lost[#lost + 1] = id
  end
end
return { lost, cancelled }
