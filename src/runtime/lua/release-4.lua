--[[
  Puts a running job back at the front of the queue without counting the attempt, when its
  worker shuts down before the job finished. Fenced by execution id.

  KEYS[1] job hash   KEYS[2] active set   KEYS[3] wait list   KEYS[4] events log stream
  ARGV[1] execution id   ARGV[2] job id   ARGV[3] channel   ARGV[4] event JSON   ARGV[5] stream max length
  ARGV[6] updated_at (ISO 8601)   ARGV[7] message
  Returns: 1 released, 0 refused (the job is not running under this execution)
]]
--@include emit.lua
local owner = redis.call('HMGET', KEYS[1], 'execution_id', 'status')
if owner[1] ~= ARGV[1] or owner[2] ~= 'processing' then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'attempt', -1)
redis.call('HSET', KEYS[1], 'status', 'queued', 'execution_id', '', 'updated_at', ARGV[6], 'message', ARGV[7])
redis.call('RPUSH', KEYS[3], ARGV[2])
emit(KEYS[4], ARGV[5], ARGV[3], ARGV[4])
return 1
