-- Appends an event to the domain's capped log stream and publishes it on the channel,
-- in the same script as the state change it reports.
local function emit(stream, maxlen, channel, event)
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'event', event)
  redis.call('PUBLISH', channel, event)
end
