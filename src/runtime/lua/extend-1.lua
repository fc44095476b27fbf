--[[
  Renews the leases of a worker's running jobs in one call. A job whose execution id
  changed (its lease expired and another worker took it) is reported as lost.

  KEYS[1] active sorted set
  ARGV[1] job key prefix   ARGV[2] lease ms   then pairs: job_id, execution_id
  Returns: the ids of lost jobs
]]
--@include now.lua
local prefix, deadline = ARGV[1], now_ms() + tonumber(ARGV[2])
local lost = {}
for i = 3, #ARGV, 2 do
  local id, execution = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', prefix .. id, 'execution_id') == execution and redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], 'XX', deadline, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
