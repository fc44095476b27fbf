#!lua
--[[
  Cancels a job. A queued or delayed job is taken off the queue and failed at once. A running
  job is flagged `cancel_requested` and a control message is published: the owning worker
  interrupts it on the message, or at its next lease renewal if the message was missed.

  KEYS[1] job hash   KEYS[2] wait list   KEYS[3] delayed set   KEYS[4] events log stream
  ARGV[1] job id   ARGV[2] domain   ARGV[3] events channel   ARGV[4] control channel
  ARGV[5] stream max length   ARGV[6] retention ms (0 = keep)   ARGV[7] updated_at (ISO 8601)
  ARGV[8] message (starts with "cancelled")
  Returns: { outcome, status } where outcome is
    cancelled   the job was waiting and is now failed (event `failed`, error_kind user)
    requested   the job is running; its worker was asked to stop it
    finished    the job had already completed or failed (nothing changed)
    missing     no such job
  Publishes on the control channel: {"type":"cancel","job_id":...,"execution_id":...}
]]
--@include json.lua
--@include emit.lua
--@include failed_event.lua
--@include guard.lua
local id, domain, channel, control, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local retention, updated_at, message = tonumber(ARGV[6]), ARGV[7], ARGV[8]
-- Every key is checked before the first write: an error halfway would leave the job half-changed.
local problem = wrong_type(KEYS[2], 'list') or wrong_type(KEYS[3], 'zset') or wrong_type(KEYS[4], 'stream')
if problem then
  return redis.error_reply(problem)
end
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then
  return { 'missing', '' }
end
local f = redis.call('HMGET', KEYS[1], 'status', 'user_id', 'execution_id')
local status = f[1] or ''
if status == 'queued' then
  redis.call('LREM', KEYS[2], 0, id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('HSET', KEYS[1], 'status', 'failed', 'error', message, 'error_kind', 'user', 'message', message,
    'last_error', message, 'next_run_at', '', 'updated_at', updated_at)
  if retention > 0 then
    redis.call('PEXPIRE', KEYS[1], retention)
  end
  emit(KEYS[4], maxlen, channel, failed_event(domain, id, f[2], 'user', message))
  return { 'cancelled', status }
elseif status == 'processing' then
  redis.call('HSET', KEYS[1], 'cancel_requested', '1')
  redis.call('PUBLISH', control, '{"type":"cancel","job_id":' .. json_quote(id) ..
    ',"execution_id":' .. json_quote(f[3] or '') .. '}')
  return { 'requested', status }
end
return { 'finished', status }
