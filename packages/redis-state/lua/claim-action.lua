--[[
  Claims one customer action (services/actions) atomically: idempotency, cooldown, and the
  appends to the shard's action outbox and (optionally) webhook queue happen together or not
  at all, so an action is never published twice for one claim nor lost after one.

  KEYS: 1 cooldown hash (action name -> occurredAt ms of the last emitted one),
        2 dedupe zset (actionId -> wall-clock ms), 3 action outbox stream, 4 webhook stream,
        5 the customer's hash (its field `a`: the recent actions) (all share the customer's
        hash tag)
  ARGV: 1 actionId, 2 action name, 3 occurredAt ms, 4 cooldown ms, 5 wall-clock ms,
        6 dedupe retention ms, 7 the action as JSON, 8 '1' to queue a webhook delivery,
        9 the action's history entry ('' for none), 10 how many entries the history keeps
  Returns 'duplicate' (this actionId was claimed before), 'cooldown' (the same action was
  emitted for this customer less than the cooldown away in event time) or 'emitted'.
]]
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return 'duplicate'
end

local at = tonumber(ARGV[3])
local cooldown = tonumber(ARGV[4])
local last = redis.call('HGET', KEYS[1], ARGV[2])
-- Either side: changes may arrive out of event-time order (several partitions, replays).
if last and cooldown > 0 and math.abs(at - tonumber(last)) < cooldown then
  return 'cooldown'
end

local now = tonumber(ARGV[5])
local retention = tonumber(ARGV[6])
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - retention))
redis.call('PEXPIRE', KEYS[2], retention)

if not last or at > tonumber(last) then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
end
-- Kept at least as long as the cooldown (measured here in wall-clock time, which runs at
-- least as fast as event time outside replays) and the dedupe ledger.
redis.call('PEXPIRE', KEYS[1], math.max(cooldown, retention))

-- the recent actions, newest first: this one, then the kept ones before it
if ARGV[9] ~= '' then
  local history = ARGV[9]
  local kept = 1
  for entry in string.gmatch(redis.call('HGET', KEYS[5], 'a') or '', '[^;]+') do
    if kept >= tonumber(ARGV[10]) then break end
    history = history .. ';' .. entry
    kept = kept + 1
  end
  redis.call('HSET', KEYS[5], 'a', history)
end

redis.call('XADD', KEYS[3], '*', 'e', ARGV[7])
if ARGV[8] == '1' then
  redis.call('XADD', KEYS[4], '*', 'e', ARGV[7])
end
return 'emitted'
