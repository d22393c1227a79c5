--[[
  Removes an outbox stream's entries older than an id, but only while the caller still holds
  the shard's relay lease (see ack-outbox.lua). The relay publishes the oldest entries first,
  so what it published is always a prefix: one trim replaces an XDEL of every id, and frees
  whole stream nodes instead of marking entries deleted.

  KEYS: 1 outbox stream, 2 lease key, 3 (optional) the stream's count of unpublished changes
        (the segment-change outbox, whose entries hold several changes, one field each)
  ARGV: 1 lease token, 2 the first id to keep (the id after the last published one), 3 (with
        KEYS[3]) the last published id
  Returns the number of entries deleted, or -1 when the lease is not held.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
if KEYS[3] then
  -- Counted here, not by the caller: the fast path may have deleted some of these meanwhile.
  local changes = 0
  for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', ARGV[3])) do
    changes = changes + #entry[2] / 2
  end
  if changes > 0 then redis.call('DECRBY', KEYS[3], changes) end
end
return redis.call('XTRIM', KEYS[1], 'MINID', ARGV[2])
