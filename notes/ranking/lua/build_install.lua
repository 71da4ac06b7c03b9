-- Install a set read from the database, unless the build was abandoned (e.g. a flush under it).
-- KEYS[1] states, KEYS[2] set, KEYS[3] dirty set; ARGV[1] set name, ARGV[2] state (all|top),
-- ARGV[3..] score/member pairs. Returns the members written meanwhile (to place again), or false.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= 'building' then return false end
redis.call('DEL', KEYS[2])
local i = 3
while i <= #ARGV do
  local j = math.min(i + 999, #ARGV)
  redis.call('ZADD', KEYS[2], unpack(ARGV, i, j))
  i = j + 1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local dirty = redis.call('SMEMBERS', KEYS[3])
redis.call('DEL', KEYS[3])
return dirty
