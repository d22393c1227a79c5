--[[
  One atomic step for one customer (DESIGN section 4): compare-and-set on the state version,
  the dedupe ledger, the new state, the population indexes, the segment counts and the outbox
  append, and the customer's next due time for the clock all happen together or not at all.
  The scoring math is not here: the new state and the changes are computed by packages/model
  in the scorer and passed in. Clock and thresholds re-evaluations use the same step with no
  event ids. The version in field `v` counts writes (any kind), so it moves with every step;
  field `d` repeats the due time, so a re-evaluation knows whether time was due.

  KEYS: 1 customer hash, 2 dedupe zset, 3 outbox stream, 4 recency index, 5 frequency index,
        6 monetary index, 7 profit index, 8 segment counts hash, 9 due-time zset
        (all share one hash tag)
  ARGV: 1 expected version, 2 new version, 3 encoded state, 4 wall-clock ms, 5 dedupe retention ms,
        6 index member (customer id), 7 last purchase day, 8 frequency, 9 monetary cents,
        10 profit cents   (7..10: '' removes the member from that index),
        11 due time ms ('' = nothing due),
        12 number of event ids N, then N event ids,
        then number of changes M, then M triples (from segment key or '', to segment key, outbox JSON)
  Returns {1, version} when written, {0, current version} when the version moved (retry).
]]
local current = redis.call('HGET', KEYS[1], 'v') or '0'
if current ~= ARGV[1] then
  return {0, tonumber(current)}
end

redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])

local now = tonumber(ARGV[4])
local retention = tonumber(ARGV[5])
local n = tonumber(ARGV[12])
local i = 13
for _ = 1, n do
  redis.call('ZADD', KEYS[2], now, ARGV[i])
  i = i + 1
end
if n > 0 then
  -- Forget ids older than the retention: the ledger of a long-lived customer stays bounded.
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - retention))
  redis.call('PEXPIRE', KEYS[2], retention)
end

local member = ARGV[6]
for k = 0, 3 do
  local value = ARGV[7 + k]
  if value == '' then
    redis.call('ZREM', KEYS[4 + k], member)
  else
    redis.call('ZADD', KEYS[4 + k], value, member)
  end
end

if ARGV[11] == '' then
  redis.call('ZREM', KEYS[9], member)
  redis.call('HDEL', KEYS[1], 'd')
else
  redis.call('ZADD', KEYS[9], ARGV[11], member)
  redis.call('HSET', KEYS[1], 'd', ARGV[11])
end

local m = tonumber(ARGV[i])
i = i + 1
for _ = 1, m do
  local from, to, event = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if from ~= '' then redis.call('HINCRBY', KEYS[8], from, -1) end
  redis.call('HINCRBY', KEYS[8], to, 1)
  redis.call('XADD', KEYS[3], '*', 'e', event)
  i = i + 3
end

return {1, tonumber(ARGV[2])}
