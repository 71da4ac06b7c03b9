-- One page of a ranking in one round trip: the set's state, size and last element, the page's
-- cards (a lease for each one missing) and the viewer's votes. Prepended with treehole/cache.py's
-- lease_take.
-- KEYS[1] states, KEYS[2] set, KEYS[3] count, KEYS[4] count lease.
-- ARGV[1] set name, ARGV[2] offset, ARGV[3] size, ARGV[4] card key prefix, ARGV[5] lease key
-- prefix, ARGV[6] voted set key prefix, ARGV[7] viewer id ('' none), ARGV[8] nonce, ARGV[9] lease seconds.
local st = redis.call('HGET', KEYS[1], ARGV[1])
if st ~= 'all' and st ~= 'top' then return {st or ''} end
local CARD, LEASE, VOTED = ARGV[4], ARGV[5], ARGV[6]
local card = redis.call('ZCARD', KEYS[2])
local count, count_lease = '', ''
if st == 'top' then
  count = redis.call('GET', KEYS[3]) or ''
  if count == '' then count_lease = lease_take(KEYS[4], ARGV[8], ARGV[9]) end
end
local low = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local offset, size = tonumber(ARGV[2]), tonumber(ARGV[3])
local rows = {}
if offset < card then
  local ids = redis.call('ZREVRANGE', KEYS[2], offset, offset + size - 1)
  for i, m in ipairs(ids) do
    local id = string.gsub(m, '^0+', '')
    local h = redis.call('HGETALL', CARD .. id)
    local lease = ''
    if #h == 0 or h[1] == '__absent__' then
      h = {}
      lease = lease_take(LEASE .. id, ARGV[8] .. ':' .. i, ARGV[9])
    end
    local mine = ''
    if ARGV[7] ~= '' then
      local vk = VOTED .. id
      if redis.call('EXISTS', vk) == 1 then mine = redis.call('ZSCORE', vk, ARGV[7]) or '0' else mine = '?' end
    end
    rows[#rows + 1] = {id, h, lease, mine}
  end
end
return {st, card, count, count_lease, low[1] or '', low[2] or '', rows}
