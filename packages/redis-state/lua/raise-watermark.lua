--[[
  Raises a tenant's event-time watermark, never lowers it (CRM_CLOCK=event).
  KEYS: 1 watermark key   ARGV: 1 candidate ms   Returns the watermark afterwards.
]]
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local candidate = tonumber(ARGV[1])
if candidate > current then
  redis.call('SET', KEYS[1], ARGV[1])
  return candidate
end
return current
