-- Decides a batch of requests for one coupon, atomically; the rules are packages/domain/src/gate-rules.ts.
-- KEYS: meta (hash: stock, issued), holdings (hash: user id -> how many the user holds),
--       decisions (hash: request id -> "DECISION" or "DECISION:holding"), fence (set while a repair rebuilds the state)
-- ARGV: stock, per-user limit (Postgres' values), then request id 1, user id 1, request id 2, user id 2, ...
-- Returns one verdict per request, or nil when the coupon has no state here (rebuild it from Postgres first).
if redis.call('EXISTS', KEYS[4]) == 1 then
  return redis.error_reply('FENCED coupon state is being repaired')
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local stock = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local issued = tonumber(redis.call('HGET', KEYS[1], 'issued'))
local verdicts = {}
for i = 3, #ARGV, 2 do
  local requestId, userId = ARGV[i], ARGV[i + 1]
  local verdict = redis.call('HGET', KEYS[3], requestId)
  if not verdict then
    local held = tonumber(redis.call('HGET', KEYS[2], userId) or '0')
    if held >= limit then
      verdict = 'DUPLICATE:' .. held
    elseif issued >= stock then
      verdict = 'SOLD_OUT'
    else
      redis.call('HSET', KEYS[2], userId, held + 1)
      issued = issued + 1
      verdict = 'ISSUED:' .. (held + 1)
    end
    redis.call('HSET', KEYS[3], requestId, verdict)
  end
  verdicts[#verdicts + 1] = verdict
end
redis.call('HSET', KEYS[1], 'issued', issued, 'stock', stock)
return verdicts
