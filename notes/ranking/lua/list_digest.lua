-- A digest of everything one page of a ranking shows, for the signed-out page cache
-- (treehole/pagecache.py): the set's state, size and count, the page's members with their scores
-- and every field of their cards (counters, visits, flags, text, version). '' when the page is not
-- wholly in Redis (set not built, a card missing, the page running past a partial set, an empty
-- page): the caller then reads the page the usual way. Returns {digest, closes_at...}: the closing
-- times of the page's polls, since a poll closes by the clock (results shown) and not by a write.
-- With ARGV[6] '1' the cached category list (with its counts, shown beside the list) is part of it.
-- KEYS[1] states, KEYS[2] set, KEYS[3] count, KEYS[4] categories. ARGV[1] set name, ARGV[2]
-- offset, ARGV[3] size, ARGV[4] card key prefix, ARGV[5] the cache's absent marker, ARGV[6] '1'/'0'.
local st = redis.call('HGET', KEYS[1], ARGV[1])
if st ~= 'all' and st ~= 'top' then return {''} end
local closes = {}
local parts = {}
local function add(value) parts[#parts + 1] = #value .. ':' .. value end
if ARGV[6] == '1' then
  local categories = redis.call('GET', KEYS[4])
  if not categories or categories == ARGV[5] then return {''} end
  add(categories)
end
add(st)
add(tostring(redis.call('ZCARD', KEYS[2])))
if st == 'top' then
  local count = redis.call('GET', KEYS[3])
  if not count then return {''} end
  add(count)
end
local offset, size = tonumber(ARGV[2]), tonumber(ARGV[3])
local ids = redis.call('ZREVRANGE', KEYS[2], offset, offset + size - 1, 'WITHSCORES')
if #ids == 0 or (st == 'top' and #ids < 2 * size) then return {''} end
for i = 1, #ids, 2 do
  local id = string.gsub(ids[i], '^0+', '')
  local h = redis.call('HGETALL', ARGV[4] .. id)
  if #h == 0 or h[1] == '__absent__' then return {''} end
  add(id)
  add(ids[i + 1])
  for j = 1, #h do
    add(h[j])
    if h[j] == 'poll' and j % 2 == 1 and h[j + 1] ~= '' then
      local ok, poll = pcall(cjson.decode, h[j + 1])
      if not ok or type(poll) ~= 'table' then return {''} end
      if type(poll.closes_at) == 'string' then closes[#closes + 1] = poll.closes_at end
    end
  end
end
local reply = {redis.sha1hex(table.concat(parts, '|'))}
for _, at in ipairs(closes) do reply[#reply + 1] = at end
return reply
