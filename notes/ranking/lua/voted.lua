-- One committed vote (notes.services.note_vote / note_recount): absolute counters and score
-- (never deltas) on the cached card, the note's new place, and the voter's entry.
-- KEYS[FIRST_KEY] card, +1 voted set, +2 voted set versions (user -> version of their last vote).
-- ARGV[FIRST_ARG] voter id ('' none), +1 their vote (1/0/-1), +2.. the card's counter field/value pairs.
local card, voted, versions = KEYS[FIRST_KEY], KEYS[FIRST_KEY + 1], KEYS[FIRST_KEY + 2]
if fresh_version() then
  place_note()
  persist_if_ranked(card)
  if redis.call('EXISTS', card) == 1 and not redis.call('HGET', card, '__absent__') then
    redis.call('HSET', card, unpack(ARGV, FIRST_ARG + 2))
  end
end
local voter = ARGV[FIRST_ARG]
if voter ~= '' and redis.call('EXISTS', voted) == 1 then
  -- Per voter, an older vote's callback never overwrites a newer one.
  local seen = tonumber(redis.call('HGET', versions, voter) or '-1')
  if VERSION >= seen then
    redis.call('HSET', versions, voter, VERSION)
    local ttl = redis.call('PTTL', voted)
    if ttl > 0 then redis.call('PEXPIRE', versions, ttl) end
    local value = tonumber(ARGV[FIRST_ARG + 1])
    if value == 0 then redis.call('ZREM', voted, voter) else redis.call('ZADD', voted, value, voter) end
  end
end
return evict_cards()
