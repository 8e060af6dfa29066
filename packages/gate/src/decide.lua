-- Decides a batch of requests for one coupon, atomically; the rules are packages/domain/src/gate-rules.ts.
-- KEYS: meta (hash: stock, issued), holdings (hash: user id -> how many the user holds),
--       decisions (hash: request id -> "DECISION" or "DECISION:holding"), fence (set while a repair rebuilds the state)
-- ARGV: stock, per-user limit (Postgres' values), when the coupon's keys expire (ms since 1970; 0 for never: a
--       campaign without an end), then the requests packed by request-packing.ts: per request, request id then
--       user id, each as its length in bytes (three digits) followed by its bytes.
-- Returns the generation of the state (meta's epoch), a '|', then the verdicts in request order joined by commas; or
-- nil when the coupon has no state here (rebuild it first).
if redis.call('EXISTS', KEYS[4]) == 1 then
  return redis.error_reply('FENCED coupon state is being repaired')
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local stock = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local expireAt = tonumber(ARGV[3])
local packed = ARGV[4]
local meta = redis.call('HMGET', KEYS[1], 'issued', 'epoch')
local issued = tonumber(meta[1])
local epoch = meta[2] or '0'

local requestIds, userIds = {}, {}
local pos = 1
local function nextField()
  local length = tonumber(string.sub(packed, pos, pos + 2))
  local value = string.sub(packed, pos + 3, pos + 2 + length)
  pos = pos + 3 + length
  return value
end
while pos <= #packed do
  requestIds[#requestIds + 1] = nextField()
  userIds[#userIds + 1] = nextField()
end

-- Read and write the hashes a few thousand fields per call, not one: a call per field was most of the script's time.
-- (unpack is limited to about 8,000 values.)
local CHUNK = 2000
local function readAll(key, fields)
  local values = {}
  for first = 1, #fields, CHUNK do
    local got = redis.call('HMGET', key, unpack(fields, first, math.min(first + CHUNK - 1, #fields)))
    for i = 1, #got do values[first + i - 1] = got[i] end
  end
  return values
end
local function writeAll(key, pairs)
  for first = 1, #pairs, 2 * CHUNK do
    redis.call('HSET', key, unpack(pairs, first, math.min(first + 2 * CHUNK - 1, #pairs)))
  end
end

local recorded = readAll(KEYS[3], requestIds)
local heldBefore = readAll(KEYS[2], userIds)
-- What this batch changed: a request or a user may come more than once in it.
local decidedNow, heldNow = {}, {}
local newDecisions, newHoldings = {}, {}
local verdicts = {}
for i = 1, #requestIds do
  local requestId, userId = requestIds[i], userIds[i]
  local verdict = recorded[i] or decidedNow[requestId]
  if not verdict then
    local held = heldNow[userId] or tonumber(heldBefore[i] or '0')
    if held >= limit then
      verdict = 'DUPLICATE:' .. held
    elseif issued >= stock then
      verdict = 'SOLD_OUT'
    else
      heldNow[userId] = held + 1
      issued = issued + 1
      verdict = 'ISSUED:' .. (held + 1)
    end
    decidedNow[requestId] = verdict
    newDecisions[#newDecisions + 1] = requestId
    newDecisions[#newDecisions + 1] = verdict
  end
  verdicts[i] = verdict
end
for userId, held in pairs(heldNow) do
  newHoldings[#newHoldings + 1] = userId
  newHoldings[#newHoldings + 1] = held
end
writeAll(KEYS[2], newHoldings)
writeAll(KEYS[3], newDecisions)
redis.call('HSET', KEYS[1], 'issued', issued, 'stock', stock)
if expireAt > 0 then
  for i = 1, 3 do redis.call('PEXPIREAT', KEYS[i], expireAt) end
end
return epoch .. '|' .. table.concat(verdicts, ',')
