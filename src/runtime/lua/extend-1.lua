--[[
  Renews the leases of a worker's running jobs in one call. A job whose execution id
  changed (its lease expired and another worker took it) is reported as lost. A job
  flagged `cancel_requested` is reported too, so a worker that missed the cancel
  control message still stops it.

  KEYS[1] active sorted set
  ARGV[1] job key prefix   ARGV[2] lease ms   then pairs: job_id, execution_id
  Returns: { lost ids, cancel-requested ids }
]]
--@include now.lua
local prefix, deadline = ARGV[1], now_ms() + tonumber(ARGV[2])
local lost, cancelled = {}, {}
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
