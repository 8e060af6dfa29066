-- Decides a batch of requests for one coupon, atomically; the rules are packages/domain/src/gate-rules.ts.
-- KEYS: meta (hash: stock, issued), holders (set of user ids), decisions (hash: request id -> decision)
-- ARGV: request id 1, user id 1, request id 2, user id 2, ...
-- Returns one decision per request, or nil when the coupon has no state here (rebuild it from Postgres first).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local stock = tonumber(redis.call('HGET', KEYS[1], 'stock'))
local issued = tonumber(redis.call('HGET', KEYS[1], 'issued'))
local decisions = {}
for i = 1, #ARGV, 2 do
  local requestId, userId = ARGV[i], ARGV[i + 1]
  local decision = redis.call('HGET', KEYS[3], requestId)
  if not decision then
    if redis.call('SISMEMBER', KEYS[2], userId) == 1 then
      decision = 'DUPLICATE'
    elseif issued >= stock then
      decision = 'SOLD_OUT'
    else
      redis.call('SADD', KEYS[2], userId)
      issued = issued + 1
      decision = 'ISSUED'
    end
    redis.call('HSET', KEYS[3], requestId, decision)
  end
  decisions[#decisions + 1] = decision
end
redis.call('HSET', KEYS[1], 'issued', issued)
return decisions
