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

  KEYS: 1 outbox stream, 2 the outbox's count of changes not yet published, 3 recency index,
        4 frequency index, 5 monetary index, 6 profit index, 7 segment counts hash, 8 due-time
        zset, 9 the tenant's transition days (zset: day → day, so the clock can drop days
        older than it keeps), then D transition-count hashes
        (one per UTC day the call's changes happened on: field "dimension:from>to" → changes,
        kept ARGV[2] seconds at most), then one customer hash per customer (all share one hash
        tag)
  ARGV: 1 D, 2 the transition counts' retention in seconds, 3..2+D the D days, 3+D the
        customers, in KEYS order, packed into one string (packages/redis-state step-args.ts;
        as separate arguments they cost the client and this server more than the step's own
        work). Per customer, little-endian, "str" being a uint32 length and the bytes:
          double  expected version (the new one is this + 1)
          str     encoded state
          byte    ledger: 0 unchanged, 1 none (the field is deleted), 2 str follows
          str     index member (customer id)
          5 times byte + double: the recency, frequency, monetary and profit indexes and the
                  due-time index: 0 remove the member, 1 unchanged, 2 this score
          byte    recent-changes history (field `h`): 0 unchanged, 1 str follows
          uint16  the changes' transition hash (1..D; 0 without changes)
          uint16  number of changes M, then M times 4 str: from segment key ('' for none),
                  to segment key, outbox JSON, transition field
  The changes of all written customers go into ONE outbox entry (field `e` once per change, in
  KEYS order), and the segment and transition counts are summed per field before one HINCRBY
  each: per change that left only its bytes, where it used to cost an XADD and three HINCRBYs
  (most of Redis' CPU per event). With CUSTOMERS_PER_CALL 200 and at most 4 changes per
  customer, the XADD's arguments stay far below Lua's 8,000-value unpack limit.
  Returns the outbox entry's id ('' when no change was written), then per customer 1 and the
  new version when written, or 0 and the current version when the version moved (that
  customer is untouched: re-read and retry).
]]
-- An index value: 0 removes the member, 2 sets its score, 1 leaves it as it is.
local function setIndex(key, flag, value, member)
  if flag == 0 then
    redis.call('ZREM', key, member)
  elseif flag == 2 then
    redis.call('ZADD', key, value, member)
  end
end

local results = { '' }
local days = tonumber(ARGV[1])
local packed = ARGV[3 + days]
local at = 1
-- summed per field over the call: segment counts, and per transition day its counts
local counts = {}
local transitions = {}
local changes = {}
for c = 10 + days, #KEYS do
  local customer = KEYS[c]
  local expected, state, ledgerFlag, ledger
  expected, state, ledgerFlag, at = struct.unpack('<dI4c0B', packed, at)
  if ledgerFlag == 2 then ledger, at = struct.unpack('<I4c0', packed, at) end
  local member, f1, v1, f2, v2, f3, v3, f4, v4, f5, v5, historyFlag, history
  member, f1, v1, f2, v2, f3, v3, f4, v4, f5, v5, historyFlag, at = struct.unpack('<I4c0BdBdBdBdBdB', packed, at)
  if historyFlag == 1 then history, at = struct.unpack('<I4c0', packed, at) end
  local day, m
  day, m, at = struct.unpack('<HH', packed, at)
  local current = tonumber(redis.call('HGET', customer, 'v') or '0')
  if current ~= expected then
    for _ = 1, m do
      at = select(5, struct.unpack('<I4c0I4c0I4c0I4c0', packed, at))
    end
    results[#results + 1] = 0
    results[#results + 1] = current
  else
    local version = expected + 1
    local fields = { 'v', version, 's', state }
    if ledgerFlag == 1 then
      redis.call('HDEL', customer, 'e')
    elseif ledgerFlag == 2 then
      fields[5] = 'e'
      fields[6] = ledger
    end
    if historyFlag == 1 then
      fields[#fields + 1] = 'h'
      fields[#fields + 1] = history
    end
    redis.call('HSET', customer, unpack(fields))

    -- 3..6: the four population indexes, 8: the due-time index
    setIndex(KEYS[3], f1, v1, member)
    setIndex(KEYS[4], f2, v2, member)
    setIndex(KEYS[5], f3, v3, member)
    setIndex(KEYS[6], f4, v4, member)
    setIndex(KEYS[8], f5, v5, member)

    if m > 0 then
      local perDay = transitions[day]
      if perDay == nil then
        perDay = {}
        transitions[day] = perDay
      end
      for _ = 1, m do
        local from, to, event, field
        from, to, event, field, at = struct.unpack('<I4c0I4c0I4c0I4c0', packed, at)
        if from ~= '' then counts[from] = (counts[from] or 0) - 1 end
        counts[to] = (counts[to] or 0) + 1
        perDay[field] = (perDay[field] or 0) + 1
        changes[#changes + 1] = 'e'
        changes[#changes + 1] = event
      end
    end
    results[#results + 1] = 1
    results[#results + 1] = version
  end
end
if #changes > 0 then
  results[1] = redis.call('XADD', KEYS[1], '*', unpack(changes))
  redis.call('INCRBY', KEYS[2], #changes / 2)
end
for field, n in pairs(counts) do
  -- a from and a to of the same field in one call cancel out
  if n ~= 0 then redis.call('HINCRBY', KEYS[7], field, n) end
end
-- after the counts exist (EXPIRE on a missing key does nothing); a day whose customers were all
-- conflicts has no key and needs none
for d, perDay in pairs(transitions) do
  local key = KEYS[9 + d]
  for field, n in pairs(perDay) do redis.call('HINCRBY', key, field, n) end
  if redis.call('EXPIRE', key, ARGV[2]) == 1 then
    redis.call('ZADD', KEYS[9], ARGV[2 + d], ARGV[2 + d])
  end
end
return results
