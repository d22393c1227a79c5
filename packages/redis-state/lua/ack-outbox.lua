--[[
  Removes published entries from an outbox stream, but only while the caller still holds the
  shard's relay lease: a relay that lost its lease (paused, partitioned) must not delete what
  the new holder is about to publish.

  KEYS: 1 outbox stream, 2 lease key, 3 (optional) the stream's count of unpublished changes
        (the segment-change outbox, whose entries hold several changes, one field each)
  ARGV: 1 lease token, then the entry ids to delete (an id may repeat: one per change)
  Returns the number of entries deleted, or -1 when the lease is not held.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
if #ARGV < 2 then return 0 end
if not KEYS[3] then
  return redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
end
-- the count goes down by the changes of each entry still there (an id may repeat)
local deleted = 0
for i = 2, #ARGV do
  local entry = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])[1]
  if entry then
    redis.call('DECRBY', KEYS[3], #entry[2] / 2)
    deleted = deleted + redis.call('XDEL', KEYS[1], ARGV[i])
  end
end
return deleted
