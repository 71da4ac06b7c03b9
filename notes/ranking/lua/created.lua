-- A new note (notes.services.note_create): its card, its (empty, complete) voted set, its place.
-- KEYS[FIRST_KEY] card, +1 voted set, +2.. the counts to drop.
-- ARGV[FIRST_ARG] card TTL (kept without one while ranked), +1 voted set TTL, +2 the voted set's
-- sentinel member, +3.. the card's field/value pairs.
local card, voted = KEYS[FIRST_KEY], KEYS[FIRST_KEY + 1]
if fresh_version() then
  place_note()
  redis.call('DEL', card)
  redis.call('HSET', card, unpack(ARGV, FIRST_ARG + 3))
  if not ranked(M, CATEGORY) then redis.call('EXPIRE', card, tonumber(ARGV[FIRST_ARG])) end
end
local voted_ttl = tonumber(ARGV[FIRST_ARG + 1])
if voted_ttl > 0 then
  redis.call('ZADD', voted, 0, ARGV[FIRST_ARG + 2])
  redis.call('EXPIRE', voted, voted_ttl)
end
drop_counts(FIRST_KEY + 2)
return evict_cards()
