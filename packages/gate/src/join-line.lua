-- Puts requests in one coupon's line, in the order given, and answers where each stands.
-- KEYS: line (sorted set: request id -> position), joined (how many positions were ever given), meta (the gate's
--       meta hash: stock, issued)
-- ARGV: how long the line outlives its last newcomer (ms), the most requests the line keeps, then the request ids.
-- A request already in the line keeps its place (a client's retry). Past the bound a newcomer is still numbered, but
-- not kept. Returns the remaining stock (-1 when the gate has no state yet), then per request its position and how
-- many requests ahead of it are still undecided.
local ttl = tonumber(ARGV[1])
local bound = tonumber(ARGV[2])
local answer = {}
local size = redis.call('ZCARD', KEYS[1])
for i = 3, #ARGV do
  local requestId = ARGV[i]
  local position = redis.call('ZSCORE', KEYS[1], requestId)
  if position then
    position = tonumber(position)
  else
    position = redis.call('INCR', KEYS[2])
    if size < bound then
      redis.call('ZADD', KEYS[1], position, requestId)
      size = size + 1
    end
  end
  answer[#answer + 1] = position
  answer[#answer + 1] = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. position)
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
local meta = redis.call('HMGET', KEYS[3], 'stock', 'issued')
local remaining = -1
if meta[1] and meta[2] then remaining = math.max(0, tonumber(meta[1]) - tonumber(meta[2])) end
table.insert(answer, 1, remaining)
return answer
