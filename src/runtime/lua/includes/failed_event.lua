-- The lifecycle `failed` event of a job, built inside a script (needs json.lua).
local function failed_event(domain, id, user_id, kind, message)
  return '{"type":' .. json_quote(domain .. '.job.failed.v1') .. ',"domain":' .. json_quote(domain) ..
    ',"job_id":' .. json_quote(id) .. ',"user_id":' .. json_integer(user_id) ..
    ',"error_kind":' .. json_quote(kind) .. ',"message":' .. json_quote(message) .. '}'
end
-- The lifecycle `progress` event of a job, built inside a script (needs json.lua).
local function progress_event(domain, id, user_id, progress, message)
  return '{"type":' .. json_quote(domain .. '.job.progress.v1') .. ',"domain":' .. json_quote(domain) ..
    ',"job_id":' .. json_quote(id) .. ',"user_id":' .. json_integer(user_id) ..
    ',"progress":' .. json_integer(progress) .. ',"message":' .. json_quote(message) .. '}'
end
