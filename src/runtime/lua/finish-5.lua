--[[
  Ends one attempt of a job and emits its event, fenced by execution id. Outcomes:
    completed  the job is done; its record expires after the retention time
    failed     the job failed for good (no retry); its record expires after the retention time
    retry      the job waits in the delayed set until run_at, then runs again
    dead       the job is out of attempts; it is kept in the dead-letter set

  KEYS[1] job hash   KEYS[2] events log stream   KEYS[3] active set   KEYS[4] delayed set   KEYS[5] dead set
  ARGV[1] execution id   ARGV[2] job id   ARGV[3] channel   ARGV[4] event JSON   ARGV[5] stream max length
  ARGV[6] outcome   ARGV[7] retention ms (0 = keep)   ARGV[8] run_at ms (retry only)
  ARGV[9..] field, value pairs for the job hash
  Returns: 1 applied, 0 refused (the job is not running under this execution)
]]
--@include compat.lua
--@include now.lua
--@include emit.lua
local owner = redis.call('HMGET', KEYS[1], 'execution_id', 'status')
if owner[1] ~= ARGV[1] or owner[2] ~= 'processing' then
  return 0
end
local id, outcome, retention = ARGV[2], ARGV[6], tonumber(ARGV[7])
redis.call('ZREM', KEYS[3], id)
if #ARGV > 8 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 9))
end
if outcome == 'retry' then
  redis.call('ZADD', KEYS[4], tonumber(ARGV[8]), id)
elseif outcome == 'dead' then
  redis.call('ZADD', KEYS[5], now_ms(), id)
elseif retention > 0 then
  redis.call('PEXPIRE', KEYS[1], retention)
end
emit(KEYS[2], ARGV[5], ARGV[3], ARGV[4])
return 1
