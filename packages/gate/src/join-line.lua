-- Puts requests in one coupon's line, in the order given, and answers where each stands.
-- KEYS: line (sorted set: request id -> position), joined (how many positions were ever given), meta (the gate's
--       meta hash: stock, issued)
-- ARGV: how long the line outlives its last newcomer (ms), the most requests the line keeps, the coupon id, how long
--       each request's coupon is remembered (ms; 0: the caller remembers it, as on a cluster, where a script may only
--       touch its own slot) and the prefix of the key it is remembered under, then the request ids.
-- A request already in the line keeps its place (a client's retry). Past the bound a newcomer is still numbered, but
-- not kept. Returns the remaining stock (-1 when the gate has no state yet), then per request its position and how
-- many requests ahead of it are still undecided.
local ttl = tonumber(ARGV[1])
local bound = tonumber(ARGV[2])
local couponId = ARGV[3]
local rememberFor = tonumber(ARGV[4])
local rememberAt = ARGV[5]
local FIRST = 6
local size = redis.call('ZCARD', KEYS[1])
local known, fresh = {}, {}
local newcomers = 0
for i = FIRST, #ARGV do
  local requestId = ARGV[i]
  if not known[requestId] and not fresh[requestId] then
    local position = redis.call('ZSCORE', KEYS[1], requestId)
    if position then
      known[requestId] = tonumber(position)
    else
      fresh[requestId] = true
      newcomers = newcomers + 1
    end
  end
end
-- Newcomers take the next positions in order: everyone in the line is ahead of them, and so are the newcomers before.
local last = newcomers > 0 and redis.call('INCRBY', KEYS[2], newcomers) or 0
local next = last - newcomers + 1
local answer = {}
local added = {}
local given = {}
local waitingBefore = size
for i = FIRST, #ARGV do
  local requestId = ARGV[i]
  local standing = given[requestId]
  if not standing then
    local position = known[requestId]
    if position then
      standing = { position, redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. position) }
    else
      standing = { next, waitingBefore }
      next = next + 1
      if size < bound then
        added[#added + 1] = standing[1]
        added[#added + 1] = requestId
        size = size + 1
        waitingBefore = waitingBefore + 1
      end
    end
    given[requestId] = standing
    if rememberFor > 0 then redis.call('SET', rememberAt .. requestId, couponId, 'PX', rememberFor) end
  end
  answer[#answer + 1] = standing[1]
  answer[#answer + 1] = standing[2]
end
for first = 1, #added, 4000 do
  redis.call('ZADD', KEYS[1], unpack(added, first, math.min(first + 3999, #added)))
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
local meta = redis.call('HMGET', KEYS[3], 'stock', 'issued')
local remaining = -1
if meta[1] and meta[2] then remaining = math.max(0, tonumber(meta[1]) - tonumber(meta[2])) end
table.insert(answer, 1, remaining)
return answer
