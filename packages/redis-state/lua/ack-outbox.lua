--[[
  Removes published entries from an outbox stream, but only while the caller still holds the
  shard's relay lease: a relay that lost its lease (paused, partitioned) must not delete what
  the new holder is about to publish.

  KEYS: 1 outbox stream, 2 lease key
  ARGV: 1 lease token, then the entry ids to delete
  Returns the number of entries deleted, or -1 when the lease is not held.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
if #ARGV < 2 then return 0 end
return redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
