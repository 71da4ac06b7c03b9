-- The rankings' shared library, prepended to every script that places a note (notes/ranking/scripts.py).
--
-- KEYS[1] the note's version key, KEYS[2] the sets' state hash (set name -> all | top | building).
-- ARGV[1] set key prefix, ARGV[2] dirty-set key prefix, ARGV[3] card key prefix (all built by
-- notes/ranking/keys.py), ARGV[4] the orders ("time"), ARGV[5] ("score"), ARGV[6] the separator
-- of a category's set name, ARGV[7] the sets' size limit, ARGV[8] the note's member,
-- ARGV[9] its version, ARGV[10] visible (1/0), ARGV[11] its category, ARGV[12] its previous
-- category ('' when unchanged), ARGV[13] its time score, ARGV[14] its hot score, ARGV[15] how long
-- the version key lives. A script's own KEYS start at FIRST_KEY, its ARGV at FIRST_ARG.
local VER, STATES = KEYS[1], KEYS[2]
local SET_PREFIX, DIRTY_PREFIX, CARD_PREFIX = ARGV[1], ARGV[2], ARGV[3]
local ORDERS = {ARGV[4], ARGV[5]}
local SEP = ARGV[6]
local LIMIT = tonumber(ARGV[7])
local M = ARGV[8]
local VERSION = tonumber(ARGV[9])
local VISIBLE = ARGV[10] == '1'
local CATEGORY, PREVIOUS = ARGV[11], ARGV[12]
local SCORES = {tonumber(ARGV[13]), tonumber(ARGV[14])}
local VERSION_TTL = tonumber(ARGV[15])
local FIRST_KEY, FIRST_ARG = 3, 16
local evicted = {}

local function zkey(name) return SET_PREFIX .. name end
local function category_set(order, cat) return order .. SEP .. cat end

local function shrink_check(name, z)
  -- A 'top' set that lost too many members is dropped; the next list read rebuilds it.
  if redis.call('HGET', STATES, name) == 'top' and redis.call('ZCARD', z) < LIMIT / 2 then
    redis.call('HDEL', STATES, name)
    redis.call('DEL', z)
  end
end

local function place(name, score)
  local st = redis.call('HGET', STATES, name)
  if st == 'building' then redis.call('SADD', DIRTY_PREFIX .. name, M) return end
  if st ~= 'all' and st ~= 'top' then return end
  local z = zkey(name)
  if st == 'top' then
    -- The set is a prefix of the database order: a member may only sit above its last element.
    local low = redis.call('ZRANGE', z, 0, 1, 'WITHSCORES')
    local bm, bs = low[1], low[2]
    if bm == M then bm, bs = low[3], low[4] end
    if (not bm) or not (score > tonumber(bs) or (score == tonumber(bs) and M > bm)) then
      if redis.call('ZREM', z, M) == 1 then shrink_check(name, z) end
      return
    end
  end
  redis.call('ZADD', z, score, M)
  local n = redis.call('ZCARD', z)
  if n > LIMIT then
    local popped = redis.call('ZPOPMIN', z, n - LIMIT)
    for i = 1, #popped, 2 do evicted[#evicted + 1] = popped[i] end
    redis.call('HSET', STATES, name, 'top')
  end
end

local function unplace(name)
  local st = redis.call('HGET', STATES, name)
  if st == 'building' then redis.call('SADD', DIRTY_PREFIX .. name, M) return end
  if st ~= 'all' and st ~= 'top' then return end
  local z = zkey(name)
  if redis.call('ZREM', z, M) == 1 then shrink_check(name, z) end
end

local function ranked(m, cat)
  for _, order in ipairs(ORDERS) do
    if redis.call('ZSCORE', zkey(order), m) then return true end
    if cat and redis.call('ZSCORE', zkey(category_set(order, cat)), m) then return true end
  end
  return false
end

-- True when this write is not older than the last one applied (commit callbacks may run out of
-- order); records it as the last one.
local function fresh_version()
  local applied = tonumber(redis.call('GET', VER) or '-1')
  if VERSION < applied then return false end
  redis.call('SET', VER, VERSION, 'EX', VERSION_TTL)
  return true
end

-- The note in (or out of) every set of its category and of all, as its row says now.
local function place_note()
  if PREVIOUS ~= '' and PREVIOUS ~= CATEGORY then
    for _, order in ipairs(ORDERS) do unplace(category_set(order, PREVIOUS)) end
  end
  for i, order in ipairs(ORDERS) do
    if VISIBLE then
      place(order, SCORES[i])
      place(category_set(order, CATEGORY), SCORES[i])
    else
      unplace(order)
      unplace(category_set(order, CATEGORY))
    end
  end
end

-- A card of a ranked note never expires (the avalanche rule); an unranked one keeps its TTL.
local function persist_if_ranked(card)
  if redis.call('EXISTS', card) == 1 and ranked(M, CATEGORY) then redis.call('PERSIST', card) end
end

local function evict_cards()
  -- A note that fell out of every set loses its card (its counters stay right in the database).
  for _, m in ipairs(evicted) do
    local card = CARD_PREFIX .. string.gsub(m, '^0+', '')
    local cat = redis.call('HGET', card, 'category')
    if cat and not ranked(m, cat) then redis.call('DEL', card) end
  end
  return #evicted
end

-- Delete the total counts (and their leases) passed as KEYS[from..]: the next list read recounts.
local function drop_counts(from)
  for i = from, #KEYS do redis.call('DEL', KEYS[i]) end
end
