--[[
  Removes an outbox stream's entries older than an id, but only while the caller still holds
  the shard's relay lease (see ack-outbox.lua). The relay publishes the oldest entries first,
  so what it published is always a prefix: one trim replaces an XDEL of every id, and frees
  whole stream nodes instead of marking entries deleted.

  KEYS: 1 outbox stream, 2 lease key
  ARGV: 1 lease token, 2 the first id to keep (the id after the last published one)
  Returns the number of entries deleted, or -1 when the lease is not held.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
return redis.call('XTRIM', KEYS[1], 'MINID', ARGV[2])
