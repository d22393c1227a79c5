--[[
  Raises a tenant's event-time watermark, never lowers it (CRM_CLOCK=event). Every scorer's
  clock loop computes the watermark from the partition times (a stale read only gives a lower
  value) and raises it here, so concurrent raises by several scorers are harmless.
  KEYS: 1 watermark key   ARGV: 1 candidate ms
  Returns the watermark before the raise.
]]
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local candidate = tonumber(ARGV[1])
if candidate > current then
  redis.call('SET', KEYS[1], ARGV[1])
end
return current
