--[[
  Applies a non-final change to a running job (started, progress) and emits its event,
  fenced by execution id: a change from an attempt that lost its lease is refused.

  KEYS[1] job hash   KEYS[2] events log stream
  ARGV[1] execution id ("" = no fence)   ARGV[2] channel   ARGV[3] event JSON   ARGV[4] stream max length
  ARGV[5..] field, value pairs for the job hash
  Returns: 1 applied, 0 refused (the job is not running under this execution)
]]
--@include compat.lua
--@include emit.lua
local owner = redis.call('HMGET', KEYS[1], 'execution_id', 'status')
if ARGV[1] ~= '' and (owner[1] ~= ARGV[1] or owner[2] ~= 'processing') then
  return 0
end
if #ARGV > 4 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 5))
end
emit(KEYS[2], ARGV[4], ARGV[2], ARGV[3])
return 1
