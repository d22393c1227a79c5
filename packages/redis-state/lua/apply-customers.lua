--[[
  The atomic step (DESIGN section 4) for the customers of one shard and tenant: for each, the
  compare-and-set on the state version, the new state with its dedupe ledger, the population
  indexes, the segment counts, the outbox append, and the customer's next due time for the
  clock happen together or not at all. One call carries many customers because the call itself
  (EVALSHA, argument tables, the client's command object) cost more than the work for a
  customer with a few events; each customer is still checked and written on its own.
  The scoring math is not here: the new state and the changes are computed by packages/model
  in the scorer and passed in. Clock and thresholds re-evaluations use the same step with no
  new event. The version in field `v` counts writes (any kind), so it moves with every step;
  field `e` is the dedupe ledger (12 bytes per applied event, pruned by the scorer to the
  retention), kept in the customer's own hash: a key of its own per customer cost more memory
  than the ids.

  KEYS: 1 outbox stream, 2 recency index, 3 frequency index, 4 monetary index, 5 profit index,
        6 segment counts hash, 7 due-time zset, 8 the tenant's transition days (zset: day →
        day, so the clock can drop days older than it keeps), then D transition-count hashes
        (one per UTC day the call's changes happened on: field "dimension:from>to" → changes,
        kept ARGV[2] seconds at most), then one customer hash per customer (all share one hash
        tag)
  ARGV: 1 D, 2 the transition counts' retention in seconds, 3..2+D the D days, then per
        customer in KEYS order:
        expected version, new version, encoded state, ledger ('=' unchanged, '' none),
        index member (customer id), last purchase day, frequency, monetary cents,
        profit cents   ('' removes the member from that index),
        due time ms ('' = nothing due),
        the recent-changes history (field `h`; '=' unchanged),
        the changes' transition hash (1..D; 0 without changes),
        number of changes M, then M quadruples (from segment key or '', to segment key,
        outbox JSON, transition field)
  Returns, per customer, 1 and the new version when written, or 0 and the current version
  when the version moved (that customer is untouched: re-read and retry).
]]
local results = {}
local days = tonumber(ARGV[1])
local at = 3 + days
for c = 9 + days, #KEYS do
  local customer = KEYS[c]
  local expected, version = ARGV[at], ARGV[at + 1]
  local m = tonumber(ARGV[at + 12])
  local current = redis.call('HGET', customer, 'v') or '0'
  if current ~= expected then
    results[#results + 1] = 0
    results[#results + 1] = tonumber(current)
  else
    redis.call('HSET', customer, 'v', version, 's', ARGV[at + 2])
    local ledger = ARGV[at + 3]
    if ledger == '' then
      redis.call('HDEL', customer, 'e')
    elseif ledger ~= '=' then
      redis.call('HSET', customer, 'e', ledger)
    end

    local member = ARGV[at + 4]
    for k = 0, 4 do
      -- 2..5: the four population indexes, 7: the due-time index
      local key = k < 4 and KEYS[2 + k] or KEYS[7]
      local value = ARGV[at + 5 + k]
      if value == '' then
        redis.call('ZREM', key, member)
      else
        redis.call('ZADD', key, value, member)
      end
    end

    if ARGV[at + 10] ~= '=' then
      redis.call('HSET', customer, 'h', ARGV[at + 10])
    end

    local transitions = KEYS[8 + tonumber(ARGV[at + 11])]
    local i = at + 13
    for _ = 1, m do
      local from, to, event = ARGV[i], ARGV[i + 1], ARGV[i + 2]
      if from ~= '' then redis.call('HINCRBY', KEYS[6], from, -1) end
      redis.call('HINCRBY', KEYS[6], to, 1)
      redis.call('HINCRBY', transitions, ARGV[i + 3], 1)
      redis.call('XADD', KEYS[1], '*', 'e', event)
      i = i + 4
    end
    results[#results + 1] = 1
    results[#results + 1] = tonumber(version)
  end
  at = at + 13 + 4 * m
end
-- after the counts exist (EXPIRE on a missing key does nothing); a day whose customers were all
-- conflicts has no key and needs none
for d = 1, days do
  if redis.call('EXPIRE', KEYS[8 + d], ARGV[2]) == 1 then
    redis.call('ZADD', KEYS[8], ARGV[2 + d], ARGV[2 + d])
  end
end
return results
