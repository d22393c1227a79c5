--[[
  The fast path's acknowledgement (scorer): the process that wrote these segment-change outbox
  entries has published them itself, so they are deleted before the relay's slower sweep would
  publish them again. No lease is needed: whoever holds the shard's relay lease publishes only
  entries older than its grace period, and deleting a published entry is never wrong.

  KEYS: 1 outbox stream, 2 its count of unpublished changes
  ARGV: pairs of entry id and the number of changes it holds
  Returns the number of entries deleted (one already trimmed by the relay is not counted twice).
]]
local deleted = 0
for i = 1, #ARGV, 2 do
  if redis.call('XDEL', KEYS[1], ARGV[i]) == 1 then
    redis.call('DECRBY', KEYS[2], ARGV[i + 1])
    deleted = deleted + 1
  end
end
return deleted
