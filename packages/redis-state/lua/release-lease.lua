--[[
  Gives back a lease, only if the caller still holds it (never another holder's).
  KEYS: 1 lease key   ARGV: 1 token
  Returns 1 when it was deleted, 0 when another token (or nobody) holds it.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
