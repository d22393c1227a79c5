--[[
  Reads what the scorer needs to plan the atomic step for the customers of one shard and
  tenant, in one call: the state version, the encoded state, the dedupe ledger, the
  recent-changes history and the next due time of each.

  KEYS: 1 due-time zset, then one customer hash per customer
  ARGV: the customers' ids (their members in the due-time zset), in KEYS order
  Returns, per customer, five values: version, state, ledger, history, due time (nil when absent).
]]
local out = {}
for c = 2, #KEYS do
  local fields = redis.call('HMGET', KEYS[c], 'v', 's', 'e', 'h')
  local n = #out
  out[n + 1] = fields[1]
  out[n + 2] = fields[2]
  out[n + 3] = fields[3]
  out[n + 4] = fields[4]
  out[n + 5] = redis.call('ZSCORE', KEYS[1], ARGV[c - 1])
end
return out
