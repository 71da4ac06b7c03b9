-- A visit counted after a miss (the card may be cached by now).
-- KEYS[1] card, KEYS[2] pending visits; ARGV[1] id. Returns the card's visits, -1 when not cached.
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
if redis.call('EXISTS', KEYS[1]) == 1 and not redis.call('HGET', KEYS[1], '__absent__') then
  return redis.call('HINCRBY', KEYS[1], 'visits', 1)
end
return -1
