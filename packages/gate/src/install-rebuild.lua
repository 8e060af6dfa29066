-- Installs a rebuilt state, staged in keys of its own, in place of the coupon's, atomically: unless the gate already
-- holds the same or a later generation (another issuer rebuilt it from a later ledger), in which case the staged
-- state is dropped.
-- KEYS: meta, holdings, decisions, then the staged meta, holdings and decisions
-- ARGV: the staged generation
-- Returns 1 when installed, 0 when dropped.
local current = redis.call('HGET', KEYS[1], 'epoch')
if current and tonumber(current) >= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[4], KEYS[5], KEYS[6])
  return 0
end
for i = 1, 3 do
  if redis.call('EXISTS', KEYS[i + 3]) == 1 then
    redis.call('RENAME', KEYS[i + 3], KEYS[i])
    -- The staged keys expire in case their stager dies; the installed state must not.
    redis.call('PERSIST', KEYS[i])
  else
    redis.call('DEL', KEYS[i])
  end
end
return 1
