#!lua
--[[
  Adds jobs to a domain queue. Idempotent per job id: when a record with that id exists,
  the job is not added again.

  KEYS[1] wait list        KEYS[2] delayed sorted set
  ARGV[1] job key prefix ("{domain}:job:")
  ARGV[2] created_at (ISO 8601)
  ARGV[3] number of jobs n
  then 10 values per job: job_id, user_id, payload JSON, run_at ms (0 = now), max_attempts, backoff ms,
  retry_on (comma-separated error kinds that are retried, e.g. "system"), traceparent (W3C trace
  context of the producer's span, "" = none; stored only when given), correlation_id (always given),
  parent_job_id (the running job that enqueued this one, "" = none; stored only when given)
  Returns: n integers, 1 = added, 0 = already existed.
  A queue key of the wrong type refuses the whole call (error reply naming the key) before anything
  is written: a record in no queue would answer "already existed" to every later enqueue of its id.
]]
--@include now.lua
--@include guard.lua
local prefix, created_at, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
local problem = wrong_type(KEYS[1], 'list') or wrong_type(KEYS[2], 'zset')
if problem then
  return redis.error_reply(problem)
end
local now = now_ms()
local added = {}
for i = 0, n - 1 do
  local base = 4 + i * 10
  local id, run_at = ARGV[base], tonumber(ARGV[base + 3])
  local key = prefix .. id
  if redis.call('EXISTS', key) == 1 then
    added[i + 1] = 0
  else
    redis.call('HSET', key,
      'job_id', id, 'user_id', ARGV[base + 1], 'status', 'queued', 'progress', '0', 'message', '',
      'created_at', created_at, 'updated_at', created_at, 'error', '',
      'payload', ARGV[base + 2], 'attempt', '0', 'max_attempts', ARGV[base + 4], 'backoff_ms', ARGV[base + 5],
      'retry_on', ARGV[base + 6], 'correlation_id', ARGV[base + 8])
    if ARGV[base + 7] ~= '' then
      redis.call('HSET', key, 'traceparent', ARGV[base + 7])
    end
    if ARGV[base + 9] ~= '' then
      redis.call('HSET', key, 'parent_job_id', ARGV[base + 9])
    end
    if run_at > now then
      -- The caller's decimal text: tostring of a Lua number writes 8.64e+15 for a far-future run.
      redis.call('HSET', key, 'next_run_at', ARGV[base + 3])
      redis.call('ZADD', KEYS[2], run_at, id)
    else
      redis.call('LPUSH', KEYS[1], id)
    end
    added[i + 1] = 1
  end
end
return added
