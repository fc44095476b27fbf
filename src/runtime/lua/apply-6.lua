#!lua
--[[
  Applies a batch of state changes of one domain's running jobs, then claims jobs for the
  workers that asked: every change a process makes while the previous batch is on the wire
  goes in one script call. Changes come first, so a slot freed by a finished job is filled by
  the claim of the same call. Each change is fenced by execution id (a change from an attempt
  that lost its lease or was cancelled is refused) and emits its event in the same script.

  KEYS[1] wait list   KEYS[2] active set   KEYS[3] delayed set   KEYS[4] invalid list
  KEYS[5] dead set    KEYS[6] events log stream
  ARGV[1] job key prefix   ARGV[2] domain   ARGV[3] channel   ARGV[4] stream max length
  ARGV[5] updated_at (ISO 8601)   ARGV[6] lease ms   ARGV[7] retention ms of finished records (0 = keep)
  ARGV[8] number of claims c, then c pairs: worker id, max jobs
  then one JSON array of the changes, each an array of strings: kind, job id, execution id,
  event JSON, run_at ms, telemetry, then field/value pairs (one argument for the batch: a worker
  pays per argument it encodes, and cjson decodes the lot in C)
  then the approximate length kept in the telemetry log `{domain}:telemetry:log`, then t telemetry
  texts: encoded telemetry envelopes (seed 004), one per line
    telemetry  "" or k: the k-th telemetry text, appended line by line to the telemetry log when the
               change applies (the durable telemetry costs the worker no round trip; passed as its own
               argument, it is neither escaped into nor decoded from the changes' JSON)
    kind  update     a non-final change (progress); sets the fields
          completed  the job is done; its record expires after the retention time
          failed     the job failed for good; its record expires after the retention time
          retry      the attempt ended; the job waits in the delayed set until run_at
          dead       out of attempts; the job is kept in the dead-letter set
          release    handed back unfinished (worker shutting down); the attempt is not counted
  Returns: { applied, claims, problems }
    applied: one character per change, "1" applied, "0" refused
    claims: per claim { claimed, invalid, next delayed job due in ms or nil } (see includes/claim.lua)
    problems: key, what was done, ... for queue keys of the wrong type a change met (set aside)
  An events log of the wrong type refuses the call (error reply naming the key) before any write.
  Without allow-oom (the shebang): under maxmemory with noeviction Redis refuses the whole call up
  front, so a worker takes no job it could not finish; the caller retries its final changes.
]]
--@include compat.lua
--@include now.lua
--@include guard.lua
--@include json.lua
--@include emit.lua
--@include claim.lua
local prefix, domain, channel, maxlen, updated_at = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local lease, retention = tonumber(ARGV[6]), tonumber(ARGV[7])
local claims = tonumber(ARGV[8])
-- Named as telemetryLogKey (src/telemetry/TelemetryEmitter.ts) names it.
local telemetry_log, telemetry_maxlen = domain .. ':telemetry:log', ARGV[10 + claims * 2]
-- The server's clock is read only by a call that needs it (claims, dead letters), not by progress alone.
local now
local function clock()
  now = now or now_ms()
  return now
end

-- One TYPE per call, not per job: every later write of the call can then log its event.
local events_problem = wrong_type(KEYS[6], 'stream')
if events_problem then
  return redis.error_reply(events_problem)
end
local problems = {}
local function report(key, problem)
  problems[#problems + 1] = key
  problems[#problems + 1] = problem
end

-- A job's hash is read once per call (the fence) and written once, with the fields of all its
-- applied changes in order so later values win: nothing sees the hash in between.
local owners = {}          -- key -> the execution that owns it for the rest of this call, or false
local writes, order = {}, {} -- key -> field/value list; keys in the order first written
local applied = {}
for _, change in ipairs(cjson.decode(ARGV[9 + claims * 2])) do
  local kind, id, execution, event, run_at = change[1], change[2], change[3], change[4], change[5]
  local key = prefix .. id
  local owner = owners[key]
  if owner == nil then
    -- A record of another type (no execution owns it) refuses the change instead of the call.
    local found = redis.pcall('HMGET', key, 'execution_id', 'status')
    owner = not found.err and found[2] == 'processing' and found[1] or false
    owners[key] = owner
  end
  if owner ~= execution then
    applied[#applied + 1] = '0'
  else
    if kind == 'release' then
      redis.call('HINCRBY', key, 'attempt', -1)
    end
    if #change > 6 then
      local fields = writes[key]
      if not fields then
        fields = { 'updated_at', updated_at }
        writes[key] = fields
        order[#order + 1] = key
      end
      for f = 7, #change do
        fields[#fields + 1] = change[f]
      end
    end
    if kind ~= 'update' then
      -- A final change ends the execution: later changes of it in this call are refused.
      owners[key] = false
      call_guarded(report, KEYS[2], 'zset', clock, 'ZREM', KEYS[2], id)
    end
    if kind == 'retry' then
      call_guarded(report, KEYS[3], 'zset', clock, 'ZADD', KEYS[3], tonumber(run_at), id)
    elseif kind == 'dead' then
      call_guarded(report, KEYS[5], 'zset', clock, 'ZADD', KEYS[5], clock(), id)
    elseif kind == 'release' then
      call_guarded(report, KEYS[1], 'list', clock, 'RPUSH', KEYS[1], id)
    elseif (kind == 'completed' or kind == 'failed') and retention > 0 then
      redis.call('PEXPIRE', key, retention)
    end
    emit(KEYS[6], maxlen, channel, event)
    -- Telemetry never fails the call: a log key of the wrong type loses the telemetry, not the change.
    if change[6] ~= '' then
      for text in string.gmatch(ARGV[10 + claims * 2 + tonumber(change[6])], '[^\n]+') do
        local written = redis.pcall('XADD', telemetry_log, 'MAXLEN', '~', telemetry_maxlen, '*', 'event', text)
        if type(written) == 'table' and written.err then
          report(telemetry_log, 'telemetry not written: ' .. written.err)
          break
        end
      end
    end
    applied[#applied + 1] = '1'
  end
end
-- Written before the claims, which read the status of jobs this call may have requeued.
for _, key in ipairs(order) do
  redis.call('HSET', key, unpack(writes[key]))
end

local claimed_by = {}
local queue_keys = { KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6] }
for c = 0, claims - 1 do
  local claimed, invalid = {}, {}
  local due_in = claim_jobs(queue_keys, prefix, tonumber(ARGV[10 + c * 2]), lease, ARGV[9 + c * 2], updated_at, domain, channel, maxlen,
    clock(), claimed, invalid)
  claimed_by[#claimed_by + 1] = { claimed, invalid, due_in }
end
return { table.concat(applied), claimed_by, problems }
