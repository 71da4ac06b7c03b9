-- A note's card in one round trip, counting a visit and reading the viewer's vote.
-- KEYS[1] card, KEYS[2] pending visits, KEYS[3] voted set; ARGV[1] id, ARGV[2] count a visit
-- (1/0), ARGV[3] viewer id ('' none).
-- Returns {0} miss, {2} cached absent, {1, card, my vote ('' no viewer, '?' unknown)}.
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return {0} end
local hidden = false
for i = 1, #h, 2 do
  if h[i] == '__absent__' then return {2} end
  if h[i] == 'hidden' and h[i + 1] == '1' then hidden = true end
end
if ARGV[2] == '1' and not hidden then
  local visits = redis.call('HINCRBY', KEYS[1], 'visits', 1)
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  for i = 1, #h, 2 do if h[i] == 'visits' then h[i + 1] = tostring(visits) end end
end
local mine = ''
if ARGV[3] ~= '' then
  if redis.call('EXISTS', KEYS[3]) == 1 then mine = redis.call('ZSCORE', KEYS[3], ARGV[3]) or '0' else mine = '?' end
end
return {1, h, mine}
