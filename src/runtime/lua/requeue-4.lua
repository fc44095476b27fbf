#!lua
--[[
  Runs a failed job again from its first attempt: a dead-lettered job (out of attempts) or,
  with mode `failed`, any failed job (a user error, a cancellation). Its record stops expiring.

  KEYS[1] job hash   KEYS[2] dead set   KEYS[3] wait list   KEYS[4] events log stream
  ARGV[1] job id   ARGV[2] domain   ARGV[3] events channel   ARGV[4] stream max length
  ARGV[5] updated_at (ISO 8601)   ARGV[6] mode: "dead" (only dead-lettered jobs) or "failed"
  ARGV[7] message
  Returns: { outcome, status } where outcome is
    requeued     the job is queued again (event `progress` with the message)
    missing      no such job
    not-dead     mode "dead" and the job is not in the dead-letter set
    not-failed   the job is queued, running or completed (nothing changed)
]]
--@include json.lua
--@include emit.lua
--@include failed_event.lua
--@include guard.lua
local id, domain, channel, maxlen, updated_at, mode, message = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
-- Every key is checked before the first write: an error halfway would leave the job half-changed.
local problem = wrong_type(KEYS[2], 'zset') or wrong_type(KEYS[3], 'list') or wrong_type(KEYS[4], 'stream')
if problem then
  return redis.error_reply(problem)
end
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then
  return { 'missing', '' }
end
local f = redis.call('HMGET', KEYS[1], 'status', 'user_id')
local status = f[1] or ''
local dead = redis.call('ZSCORE', KEYS[2], id)
if mode == 'dead' and not dead then
  return { 'not-dead', status }
end
if status ~= 'failed' then
  return { 'not-failed', status }
end
redis.call('ZREM', KEYS[2], id)
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[1], 'status', 'queued', 'attempt', '0', 'progress', '0', 'error', '', 'error_kind', '',
  'message', message, 'execution_id', '', 'cancel_requested', '', 'next_run_at', '', 'updated_at', updated_at)
redis.call('LPUSH', KEYS[3], id)
emit(KEYS[4], maxlen, channel, progress_event(domain, id, f[2], 0, message))
return { 'requeued', status }
