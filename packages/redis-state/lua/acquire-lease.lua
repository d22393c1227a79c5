--[[
  Takes or renews a lease (relay of one outbox shard, thresholds refresh) for a token.
  KEYS: 1 lease key   ARGV: 1 token, 2 lease ms
  Returns 1 when the caller holds the lease afterwards, 0 when another token does.
]]
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
