--[[
  One atomic step for one customer (DESIGN section 4): compare-and-set on the state version,
  the new state with its dedupe ledger, the population indexes, the segment counts, the outbox
  append, and the customer's next due time for the clock all happen together or not at all.
  The scoring math is not here: the new state and the changes are computed by packages/model
  in the scorer and passed in. Clock and thresholds re-evaluations use the same step with no
  new event. The version in field `v` counts writes (any kind), so it moves with every step;
  field `e` is the dedupe ledger (12 bytes per applied event, pruned by the scorer to the
  retention), kept in the customer's own hash: a key of its own per customer cost more memory
  than the ids.

  KEYS: 1 customer hash, 2 outbox stream, 3 recency index, 4 frequency index, 5 monetary index,
        6 profit index, 7 segment counts hash, 8 due-time zset   (all share one hash tag)
  ARGV: 1 expected version, 2 new version, 3 encoded state, 4 ledger ('=' unchanged, '' none),
        5 index member (customer id), 6 last purchase day, 7 frequency, 8 monetary cents,
        9 profit cents   (6..9: '' removes the member from that index),
        10 due time ms ('' = nothing due),
        11 number of changes M, then M triples (from segment key or '', to segment key, outbox JSON)
  Returns {1, version} when written, {0, current version} when the version moved (retry).
]]
local current = redis.call('HGET', KEYS[1], 'v') or '0'
if current ~= ARGV[1] then
  return {0, tonumber(current)}
end

redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
if ARGV[4] == '' then
  redis.call('HDEL', KEYS[1], 'e')
elseif ARGV[4] ~= '=' then
  redis.call('HSET', KEYS[1], 'e', ARGV[4])
end

local member = ARGV[5]
for k = 0, 3 do
  local value = ARGV[6 + k]
  if value == '' then
    redis.call('ZREM', KEYS[3 + k], member)
  else
    redis.call('ZADD', KEYS[3 + k], value, member)
  end
end

if ARGV[10] == '' then
  redis.call('ZREM', KEYS[8], member)
else
  redis.call('ZADD', KEYS[8], ARGV[10], member)
end

local m = tonumber(ARGV[11])
local i = 12
for _ = 1, m do
  local from, to, event = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if from ~= '' then redis.call('HINCRBY', KEYS[7], from, -1) end
  redis.call('HINCRBY', KEYS[7], to, 1)
  redis.call('XADD', KEYS[2], '*', 'e', event)
  i = i + 3
end

return {1, tonumber(ARGV[2])}
