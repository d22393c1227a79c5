--[[
  Records, for one tenant, the newest event time seen on each input partition of a consumed
  batch and when (wall time) that data came: what the tenant's event-time watermark is the
  minimum of (CRM_CLOCK=event). A partition's newest time never goes back (a rebalance can make
  two consumers apply the same batch); its wall time always moves to the latest data.
  KEYS: 1 the tenant's partition-times hash
  ARGV: 1 wall ms now, then pairs: partition field ("topic/partition"), newest event ms
  Field "first" keeps when the tenant was first seen: a partition with no data for the tenant
  yet counts as quiet since then.
  Values are "<newest event ms>:<wall ms>".
]]
local wall = ARGV[1]
redis.call('HSETNX', KEYS[1], 'first', wall)
for i = 2, #ARGV, 2 do
  local field = ARGV[i]
  local newest = tonumber(ARGV[i + 1])
  local old = redis.call('HGET', KEYS[1], field)
  if old then
    local stored = tonumber(string.match(old, '^(-?%d+)'))
    if stored > newest then newest = stored end
  end
  redis.call('HSET', KEYS[1], field, string.format('%d:%s', newest, wall))
end
return 0
