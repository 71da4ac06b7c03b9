-- A set is being built from the database: writes meanwhile note their member in the dirty set.
-- KEYS[1] states, KEYS[2] set, KEYS[3] dirty set; ARGV[1] set name.
redis.call('HSET', KEYS[1], ARGV[1], 'building')
redis.call('DEL', KEYS[2], KEYS[3])
return 1
