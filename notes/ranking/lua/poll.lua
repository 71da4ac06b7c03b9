-- A poll's counts after a ballot committed (notes.services.poll): written into the note's card.
-- KEYS[1] card, KEYS[2] its fill lease. ARGV[1] the poll's version, ARGV[2] the card's poll field.
-- A card that is not cached is left to the next fill, and its lease goes so that a fill that read
-- the database before this ballot is refused; an older ballot than the card's never overwrites it.
-- Returns 1 written, 0 not cached, -1 older.
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HGET', KEYS[1], '__absent__') then
  redis.call('DEL', KEYS[2])
  return 0
end
local applied = tonumber(redis.call('HGET', KEYS[1], 'pv') or '-1')
if tonumber(ARGV[1]) <= applied then return -1 end
redis.call('HSET', KEYS[1], 'poll', ARGV[2], 'pv', ARGV[1])
return 1
