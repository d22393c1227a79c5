--[[
  Raises a tenant's event-time watermark, never lowers it (CRM_CLOCK=event).
  KEYS: 1 watermark key   ARGV: 1 candidate ms
  Returns the watermark before the raise: a batch is evaluated as of what was seen before it
  (and its own events), so one batch spanning months does not judge its oldest events late.
]]
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local candidate = tonumber(ARGV[1])
if candidate > current then
  redis.call('SET', KEYS[1], ARGV[1])
end
return current
