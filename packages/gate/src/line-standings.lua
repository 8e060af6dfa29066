-- Where requests stand in one coupon's line, read only.
-- KEYS: line (sorted set: request id -> position), meta (the gate's meta hash: stock, issued)
-- ARGV: the request ids.
-- Returns the remaining stock (-1 when the gate has no state), then per request its position (-1 when it is not in
-- the line: decided, or never placed) and how many requests ahead of it are still undecided.
local answer = {}
local meta = redis.call('HMGET', KEYS[2], 'stock', 'issued')
local remaining = -1
if meta[1] and meta[2] then remaining = math.max(0, tonumber(meta[1]) - tonumber(meta[2])) end
answer[1] = remaining
for i = 1, #ARGV do
  local position = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if position then
    answer[#answer + 1] = tonumber(position)
    answer[#answer + 1] = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. position)
  else
    answer[#answer + 1] = -1
    answer[#answer + 1] = 0
  end
end
return answer
